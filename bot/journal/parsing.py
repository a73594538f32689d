"""Reading what she types in the guided entry: dates, times, texts, choices.

Errors are JournalInputError codes (bot.journal.model.InputError), never text: the Telegram layer asks again
with the matching UI string, and for dates fills its {example} with `date_example(today)`.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.journal.model import MAX_TEXT_CHARS, ChildrenPresent, InputError, JournalInputError

# Words for "today" and "yesterday" in the bot's three languages (buttons send the English word).
TODAY = frozenset({"today", "сегодня", "бүгін"})
YESTERDAY = frozenset({"yesterday", "вчера", "кеше"})
EARLIEST_YEAR = 1900

DAY_FIRST = re.compile(r"(\d{1,2})[./\-\s](\d{1,2})(?:[./\-\s](\d{4}|\d{2}))?")  # 28.11.2026, 28/11/26, 28.11
YEAR_FIRST = re.compile(r"(\d{4})[./\-](\d{1,2})[./\-](\d{1,2})")  # 2026-11-28
TIME = re.compile(r"(\d{1,2})(?:\s*[:.\-hч]\s*(\d{2}))?")  # 21:30, 21.30, 9, 21ч30


def parse_date(text: str, today: dt.date) -> dt.date:
    """`today` is the date in Kazakhstan (UTC+5) when she answers."""
    cleaned = " ".join(text.strip().lower().rstrip(".").split())
    if cleaned in TODAY:
        return today
    if cleaned in YESTERDAY:
        return today - dt.timedelta(days=1)
    if match := YEAR_FIRST.fullmatch(cleaned):
        year, month, day = (int(part) for part in match.groups())
    elif match := DAY_FIRST.fullmatch(cleaned):
        day, month = int(match.group(1)), int(match.group(2))
        year_text = match.group(3) or str(today.year)  # no year: this year
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)  # 26 means 2026
    else:
        raise JournalInputError(InputError.DATE_UNREADABLE)
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise JournalInputError(InputError.DATE_IMPOSSIBLE) from None
    if date > today:
        raise JournalInputError(InputError.DATE_IN_FUTURE)
    if date.year < EARLIEST_YEAR:
        raise JournalInputError(InputError.DATE_TOO_OLD)
    return date


def date_example(today: dt.date) -> str:
    """A date in the format she should type, one that is certainly not in the future: yesterday."""
    return (today - dt.timedelta(days=1)).strftime("%d.%m.%Y")


def check_not_future(date: dt.date, today: dt.date) -> dt.date:
    if date > today:
        raise JournalInputError(InputError.DATE_IN_FUTURE)
    if date.year < EARLIEST_YEAR:
        raise JournalInputError(InputError.DATE_TOO_OLD)
    return date


def parse_time(text: str) -> dt.time:
    match = TIME.fullmatch(text.strip().lower())
    if not match:
        raise JournalInputError(InputError.TIME_UNREADABLE)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise JournalInputError(InputError.TIME_UNREADABLE)
    return dt.time(hour, minute)


def clean_text(text: str | None) -> str | None:
    """A free-text answer: trimmed; empty counts as not given."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_TEXT_CHARS:
        raise JournalInputError(InputError.TEXT_TOO_LONG)
    return text


def parse_children(value: str) -> ChildrenPresent:
    try:
        return ChildrenPresent(value.strip().lower())
    except ValueError:
        raise JournalInputError(InputError.NOT_A_CHOICE) from None
