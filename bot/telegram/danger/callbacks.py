"""The danger check's button payloads (Telegram's callback_data): each kind a small typed class, built and parsed
here only; the handler's pattern comes from the same prefix.

All `1:d:…`, ASCII, well under 64 bytes. They say which question and which answer — "question 3: yes" —
never what the question is about, and nothing she wrote:

    q:<n>             show question n again (the "previous question" button)
    a:<n>:<y|n|s>     her answer to question n: yes, no or skip
    r                 the result again (from its sources)
    src               the result's sources in full
    save              save the result in her journal

The check starts from the content screen's button, the action `danger_check:start` (`START`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.content import callbacks
from bot.content.registry import DANGER_CHECK_ACTION
from bot.danger.model import Answer

PREFIX = "1:d:"
PATTERN = f"^{re.escape(PREFIX)}"
START = callbacks.for_action(DANGER_CHECK_ACTION)
START_PATTERN = f"^{re.escape(START)}$"
MAX_NUMBER_DIGITS = 2


@dataclass(frozen=True)
class ShowQuestion:
    number: int  # from 1

    @property
    def data(self) -> str:
        return f"{PREFIX}q:{self.number}"


@dataclass(frozen=True)
class AnswerQuestion:
    number: int
    answer: Answer

    @property
    def data(self) -> str:
        return f"{PREFIX}a:{self.number}:{self.answer.value}"


@dataclass(frozen=True)
class ShowResult:
    data = f"{PREFIX}r"


@dataclass(frozen=True)
class Sources:
    data = f"{PREFIX}src"


@dataclass(frozen=True)
class Save:
    data = f"{PREFIX}save"


DangerData = ShowQuestion | AnswerQuestion | ShowResult | Sources | Save


def is_danger(data: str) -> bool:
    return data.startswith(PREFIX)


def parse(data: str) -> DangerData | None:
    """The button this data stands for; None for anything the check did not make (forged, or from a newer
    version)."""
    if not is_danger(data) or not data.isascii():
        return None
    verb, *parts = data[len(PREFIX) :].split(":")
    simple: dict[str, DangerData] = {"r": ShowResult(), "src": Sources(), "save": Save()}
    if verb in simple and not parts:
        return simple[verb]
    if verb == "q" and len(parts) == 1 and (number := _number(parts[0])) is not None:
        return ShowQuestion(number)
    if verb == "a" and len(parts) == 2 and (number := _number(parts[0])) is not None:
        try:
            return AnswerQuestion(number, Answer(parts[1]))
        except ValueError:
            return None
    return None


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= MAX_NUMBER_DIGITS else None
