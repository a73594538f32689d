"""When advocates answer: working hours and days in Kazakhstan time, and the honest "next shift" time."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.timezone import ALMATY

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_PATTERN = re.compile(r"\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)\s*")


def normalize_hours(value: str) -> str:
    """ "9:00 - 18:00"-like text as "09:00-18:00"; ValueError saying what is wrong (start before end)."""
    match = HOURS_PATTERN.fullmatch(value)
    if not match or (int(match[1]), int(match[2])) >= (int(match[3]), int(match[4])):
        raise ValueError("must look like 09:00-18:00 (start before end, Kazakhstan time)")
    return f"{match[1]}:{match[2]}-{match[3]}:{match[4]}"


def parse_days(value: str) -> frozenset[int]:
    """ "mon-fri" or "mon,wed,sat" -> weekday numbers (Monday = 0)."""
    days: set[int] = set()
    for part in value.strip().lower().split(","):
        start, _, end = part.strip().partition("-")
        if start not in DAY_NAMES or (end and end not in DAY_NAMES):
            raise ValueError("must be days like mon-fri or mon,wed,sat")
        first, last = DAY_NAMES.index(start), DAY_NAMES.index(end or start)
        if last < first:
            raise ValueError("a range of days must go forward, like mon-fri")
        days.update(range(first, last + 1))
    return frozenset(days)


@dataclass(frozen=True)
class WorkingHours:
    start: dt.time
    end: dt.time
    days: frozenset[int]

    @classmethod
    def parse(cls, hours: str, days: str) -> WorkingHours:
        start, end = hours.split("-")
        end_time = dt.time(23, 59, 59) if end == "24:00" else dt.time.fromisoformat(end)
        return cls(dt.time.fromisoformat(start), end_time, parse_days(days))

    def is_open(self, now: dt.datetime) -> bool:
        local = now.astimezone(ALMATY)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def current_start(self, now: dt.datetime) -> dt.datetime | None:
        """When the shift going on now began (Kazakhstan time); None outside the hours."""
        if not self.is_open(now):
            return None
        return dt.datetime.combine(now.astimezone(ALMATY).date(), self.start, tzinfo=ALMATY)

    def next_start(self, now: dt.datetime) -> dt.datetime:
        """When the next shift starts, in Kazakhstan time."""
        local = now.astimezone(ALMATY)
        for offset in range(8):
            day = local.date() + dt.timedelta(days=offset)
            start = dt.datetime.combine(day, self.start, tzinfo=ALMATY)
            if day.weekday() in self.days and start > local:
                return start
        return local  # no working days configured: say "now" rather than nothing
