"""Finding phone numbers in texts, so that only numbers from the fact sheet are ever published.

A wrong digit in a helpline can cost a life. Texts also carry article numbers (109-1, ст. 115), amounts,
durations and counts, so a short number (1xx, 1xxx) counts as a phone number when it looks like one — in
bold, or near a word such as "call", "line" or "phone" — and nothing says otherwise: no article or code word
just before it, no unit after it, not part of a range or of an article like 109-1. Long numbers (7 digits
and more, +7 …) always count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Short service numbers in Kazakhstan are 1xx and 1xxx; long ones are 7+ digits (+7 7xx xxx xx xx).
SHORT_NUMBER = re.compile(r"(?<![\w.,/–-])(1\d{2,3})(?![\w]|[.,][0-9]|\s?[-–]\s?\w|\s\d{3}\b)")
LONG_NUMBER = re.compile(r"(?<![\w])(\+?\d[\d ()\-]{5,}\d)(?![\w])")

ARTICLE_WORDS = (
    "ст.", "стать", "стат", "пункт", "п.", "ч.", "част", "бап", "бөлі", "тармақ", "article", "art.", "part",
    "section", "ук", "упк", "коап", "қк", "қпк", "әқбтк", "cc", "cpc", "code", "кодекс", "№", "no.",
)  # fmt: skip
UNIT_WORDS = (
    "мрп", "аек", "mrp", "mci", "₸", "тенге", "теңге", "tenge", "час", "сағат", "hour", "дн", "день", "күн",
    "day", "сут", "тәулік", "лет", "год", "жыл", "year", "месяц", "ай", "month", "%", "мың", "тыс", "thousand",
    "млн", "million", "человек", "адам", "people", "women", "жен", "әйел", "раз", "рет", "time", "минут", "minute",
)  # fmt: skip


PHONE_WORDS = (
    "звон", "позвон", "телефон", "тел.", "номер", "линия", "линии", "линию", "горяч", "қоңырау",
    "нөмір", "желі", "сенім", "центр", "орталық", "call", "phone", "line", "dial", "hotline", "helpline", "centre",
    "center",
)  # fmt: skip
CONTEXT = 40  # characters on each side searched for a phone word


@dataclass(frozen=True)
class PhoneMention:
    number: str
    offset: int


# A list of articles ("УК 110, 115 и 125-1"): skip back over the other numbers to the word that starts it.
LIST_TAIL = re.compile(r"(?:[\s\u00a0,]*(?:\d+(?:[-–]\d+)?|и|and|or|или|және|немесе))*[\s\u00a0,]*$")


def phone_mentions(text: str) -> list[PhoneMention]:
    mentions = []
    long_spans = []
    for match in LONG_NUMBER.finditer(text):
        digits = re.sub(r"\D", "", match.group(1))
        if len(digits) >= 7:
            mentions.append(PhoneMention(digits, match.start(1)))
            long_spans.append(match.span(1))
    for match in SHORT_NUMBER.finditer(text):
        if any(start <= match.start() < end for start, end in long_spans):
            continue
        window = text[max(0, match.start() - 60) : match.start()].lower()
        tail = LIST_TAIL.search(window)
        before = window[: tail.start() if tail else len(window)][-24:]
        after = text[match.end() : match.end() + 12].lower().lstrip(" \u00a0")
        if _ends_with_any(before, ARTICLE_WORDS) or after.startswith(UNIT_WORDS):
            continue
        if not _looks_like_a_phone(text, match.start(1), match.end(1)):
            continue
        mentions.append(PhoneMention(match.group(1), match.start(1)))
    return sorted(mentions, key=lambda mention: mention.offset)


def _looks_like_a_phone(text: str, start: int, end: int) -> bool:
    in_bold = text[max(0, start - 2) : start] == "**" or text[end : end + 2] == "**"
    around = text[max(0, start - CONTEXT) : end + CONTEXT].lower()
    return in_bold or any(word in around for word in PHONE_WORDS)


def _ends_with_any(before: str, words: tuple[str, ...]) -> bool:
    # The word may be followed by a space, a no-break space, or nothing ("ст.115", "УК 109-1").
    tail = before.rstrip(" \u00a0")
    words_before = re.split(r"[\s\u00a0(«\"]+", tail)
    last = words_before[-1] if words_before else ""
    return any(last.startswith(word) or last.endswith(word) for word in words)
