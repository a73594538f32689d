"""The handoff's button payloads (`1:h:…`), built, parsed and matched from one place.

    1:h:t[:<safe>[:<help>[:<when>[:<region>]]]]   her triage so far: one letter per answer, empty when skipped;
                                       the region as the two digits of its ISO 3166-2:KZ code (75: KZ-75)
    1:h:x                              she closes her case
    1:h:show:<outbox id>               discreet delivery: show the advocate's reply
    1:h:<claim|release|close|reopen>:<case id>   the case card's buttons (advocates' group)
    1:h:canned:<case id>:<name>        send the canned reply `canned_<name>` (advocates' group)

They carry ids and codes only, never text. An id outside SQLite's integer range, a malformed payload or a
forged verb parses to None, so it never reaches the database (it is answered like any stale button).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PREFIX = "1:h:"
MAX_ID = 2**63 - 1  # SQLite's INTEGER
CaseVerb = Literal["claim", "release", "close", "reopen"]
CASE_VERBS: tuple[CaseVerb, ...] = ("claim", "release", "close", "reopen")

TRIAGE_PATTERN = r"^1:h:t((:[a-z]?){0,3}|(:[a-z]?){3}:(\d\d)?)$"  # the region only after the three others
CLOSE_PATTERN = r"^1:h:x$"
SHOW_PATTERN = r"^1:h:show:\d+$"
CASE_ACTION_PATTERN = rf"^1:h:({'|'.join(CASE_VERBS)}):\d+$"
CANNED_PATTERN = r"^1:h:canned:\d+:[a-z0-9_]+$"
CLOSE_DATA = f"{PREFIX}x"


@dataclass(frozen=True)
class TriageStep:
    answers: tuple[str, ...]  # "" for a skipped question

    def data(self) -> str:
        return ":".join([f"{PREFIX}t", *self.answers])

    def then(self, answer: str) -> str:
        """The payload of the button that adds `answer` (a code letter, or "" to skip)."""
        return TriageStep((*self.answers, answer)).data()


@dataclass(frozen=True)
class ShowReply:
    item_id: int

    def data(self) -> str:
        return f"{PREFIX}show:{self.item_id}"


@dataclass(frozen=True)
class CaseAction:
    verb: CaseVerb
    case_id: int

    def data(self) -> str:
        return f"{PREFIX}{self.verb}:{self.case_id}"


@dataclass(frozen=True)
class Canned:
    case_id: int
    name: str  # the UI key without its canned_ prefix

    def data(self) -> str:
        return f"{PREFIX}canned:{self.case_id}:{self.name}"


def parse_triage(data: str | None) -> TriageStep | None:
    if data is None or not re.match(TRIAGE_PATTERN, data):
        return None
    return TriageStep(tuple(data.split(":")[3:]))


def parse_show(data: str | None) -> ShowReply | None:
    item_id = _id_after(data, SHOW_PATTERN)
    return None if item_id is None else ShowReply(item_id)


def parse_case_action(data: str | None) -> CaseAction | None:
    case_id = _id_after(data, CASE_ACTION_PATTERN)
    if data is None or case_id is None:
        return None
    verb = data.split(":")[2]
    for known in CASE_VERBS:  # narrows the type without a cast
        if verb == known:
            return CaseAction(known, case_id)
    return None


def parse_canned(data: str | None) -> Canned | None:
    if data is None or not re.match(CANNED_PATTERN, data):
        return None
    _, _, _, case_id, name = data.split(":", 4)
    number = _bounded(case_id)
    return None if number is None else Canned(number, name)


def _id_after(data: str | None, pattern: str) -> int | None:
    if data is None or not re.match(pattern, data):
        return None
    return _bounded(data.rsplit(":", 1)[-1])


def _bounded(digits: str) -> int | None:
    if not digits.isdigit() or len(digits) > 19:
        return None
    number = int(digits)
    return number if number <= MAX_ID else None
