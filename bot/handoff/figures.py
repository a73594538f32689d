"""A desk's figures as they may be shown: counts only, and small numbers hidden.

Used by `python -m bot desks stats` and by a coordinator's /desk in the group. A count from 1 to 4 is shown as
"<5" (a handful of cases can point at one person); the median time to a first reply and the share answered
within the promised wait are shown only over at least 5 answered cases.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bot.handoff.repository import DeskFigures

SMALL = 5


def count(number: int) -> str:
    return "0" if number == 0 else f"<{SMALL}" if number < SMALL else str(number)


@dataclass(frozen=True)
class ShownFigures:
    opened: str
    closed: str
    first_reply_median: str  # minutes, or "—" over fewer than 5 answered cases
    in_time: str  # a percentage, or "—"
    transfers_out: str
    transfers_in: str


def shown(figures: DeskFigures) -> ShownFigures:
    answered = len(figures.first_reply_minutes)
    enough = answered >= SMALL
    return ShownFigures(
        opened=count(figures.opened),
        closed=count(figures.closed),
        first_reply_median=f"{round(statistics.median(figures.first_reply_minutes))}" if enough else "—",
        in_time=f"{round(100 * figures.answered_in_time / answered)}%" if enough else "—",
        transfers_out=count(figures.transfers_out),
        transfers_in=count(figures.transfers_in),
    )
