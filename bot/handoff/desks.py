"""Advocates' desks: which organisation answers whom, when, and who at each may act on a case.

A desk is one organisation's forum supergroup — a regional crisis centre, a national line — with the regions
it covers (ISO 3166-2:KZ codes, or "*" for the whole country), the languages its advocates answer in, its
hours and days (Kazakhstan time), and the Telegram user ids of its advocates and coordinators. Membership of
the group is not enough: only a named advocate's messages reach a survivor, only named advocates claim, close
or reply, only coordinators transfer a case or see the desk's settings and figures.

The desks come from the YAML file BOT_DESKS_FILE, checked at start and on every reload with `path:line`
problems (a file with errors is refused whole; on reload the previous desks stay). BOT_ADVOCATE_CHAT_ID is
the shorthand for one national desk in which every member of the group acts: the weak choice, since anyone
added to the group can then read and answer every case.

Plain Python: routing a case (`DeskBook.route`) is a pure function of the desks, her region and language,
the desks whose group passed its check, and the time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.problems import Location, Problem
from bot.content.registry import LANGUAGES
from bot.content.yaml_source import SourceMap, load_yaml
from bot.handoff.hours import WorkingHours, normalize_hours, parse_days

NATIONAL = "*"
# ISO 3166-2:KZ (numeric codes since November 2022): the three cities of republican significance, then the 17
# regions. Their names in ru / kk / en are content (ui_handoff.yaml, region_kz_NN), so editors own them.
REGIONS: tuple[str, ...] = (
    "KZ-71", "KZ-75", "KZ-79",
    "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39", "KZ-43", "KZ-47",
    "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63",
)  # fmt: skip
DESK_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
SHORTHAND_ID = "advocates"  # the one desk of BOT_ADVOCATE_CHAT_ID
MAX_NAME = 100
FIELDS = ("id", "name", "chat_id", "regions", "languages", "hours", "days", "advocates", "coordinators", "language")
REQUIRED = ("id", "name", "chat_id", "regions", "languages", "hours", "days", "advocates", "coordinators")


def region_key(region: str) -> str:
    """The UI key of a region's name in the content: KZ-75 → region_kz_75."""
    return "region_" + region.lower().replace("-", "_")


@dataclass(frozen=True)
class DeskConfig:
    id: str
    name: str | None  # what she is told ("Almaty crisis centre"); None for the shorthand desk
    chat_id: int
    regions: frozenset[str]  # ISO codes, or {"*"}: the whole country
    languages: tuple[str, ...]  # the languages its advocates answer in
    hours: WorkingHours
    hours_text: str  # as written, for the desk's settings: "09:00-18:00 mon-fri"
    advocates: frozenset[int] = frozenset()
    coordinators: frozenset[int] = frozenset()
    language: str = "ru"  # of the advocates' interface in its group
    members_act: bool = False  # the shorthand: every member of the group acts (the weak choice)

    @property
    def national(self) -> bool:
        return NATIONAL in self.regions

    def covers(self, region: str | None) -> bool:
        """Names her region itself (a national desk covers every region, but is not "her region's desk")."""
        return region is not None and region in self.regions

    def is_advocate(self, user_id: int) -> bool:
        return self.members_act or user_id in self.advocates

    def is_coordinator(self, user_id: int) -> bool:
        return self.members_act or user_id in self.coordinators

    @property
    def variable(self) -> str:
        """Where the operator fixes this desk: named in its log lines."""
        return "BOT_ADVOCATE_CHAT_ID" if self.members_act else f"BOT_DESKS_FILE desk {self.id}"


@dataclass(frozen=True)
class Route:
    """Where a new case goes: the desk, and whether it is open now (if not, she is told when it opens)."""

    desk: DeskConfig
    open_now: bool
    opens_at: dt.datetime | None  # Kazakhstan time, when it is closed now


@dataclass(frozen=True)
class DeskBook:
    """The configured desks, in the file's order."""

    desks: tuple[DeskConfig, ...] = ()
    source: str | None = None  # the file they came from; None for the shorthand (or no desk at all)
    _by_id: Mapping[str, DeskConfig] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {desk.id: desk for desk in self.desks})

    def __iter__(self) -> Iterator[DeskConfig]:
        return iter(self.desks)

    def __len__(self) -> int:
        return len(self.desks)

    def get(self, desk_id: str | None) -> DeskConfig | None:
        return self._by_id.get(desk_id) if desk_id is not None else None

    def by_chat(self, chat_id: int) -> DeskConfig | None:
        return next((desk for desk in self.desks if desk.chat_id == chat_id), None)

    @property
    def shorthand(self) -> DeskConfig | None:
        """The one desk of BOT_ADVOCATE_CHAT_ID, which also holds the cases opened before desks existed."""
        return self.desks[0] if self.desks and self.desks[0].members_act else None

    def route(self, region: str | None, language: str, usable: Iterable[str], now: dt.datetime) -> Route | None:
        """The desk for a new case, among the usable ones (their group passed its check):

        1. a desk that covers her region, answers in her language and is open now;
        2. else an open national desk (one in her language first);
        3. else her region's desk, closed now: she is told honestly when it answers;
        4. else a national desk, closed now; 5. else any other desk (open first).
        Within each, a desk in her language first, then the one that opens soonest, then the file's order.
        None: no usable desk at all (she is offered the hotlines)."""
        allowed = set(usable)
        ranked = []
        for index, desk in enumerate(self.desks):
            if desk.id not in allowed:
                continue
            is_open, speaks, regional = desk.hours.is_open(now), language in desk.languages, desk.covers(region)
            if regional and speaks and is_open:
                tier = 0
            elif desk.national and is_open:
                tier = 1
            elif regional:
                tier = 2
            elif desk.national:
                tier = 3
            else:
                tier = 4
            opens_at = None if is_open else desk.hours.next_start(now)
            ranked.append(((tier, not speaks, not is_open, opens_at or now, index), Route(desk, is_open, opens_at)))
        return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


class DesksError(Exception):
    """A desks file that cannot be used, with every problem found (path:line each)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the desks file; first: {problems[0] if problems else '-'}")


def shorthand(chat_id: int, hours: str, days: str, language: str) -> DeskBook:
    """BOT_ADVOCATE_CHAT_ID: one national desk in all languages, every member of its group an advocate."""
    desk = DeskConfig(
        id=SHORTHAND_ID,
        name=None,
        chat_id=chat_id,
        regions=frozenset({NATIONAL}),
        languages=LANGUAGES,
        hours=WorkingHours.parse(hours, days),
        hours_text=f"{hours} {days}",
        language=language,
        members_act=True,
    )
    return DeskBook((desk,))


def load_desks(path: Path, default_language: str) -> DeskBook:
    """Read and check BOT_DESKS_FILE. Raises DesksError with every problem, each at its path:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DesksError([Problem(Location(str(path), 1), "the desks file does not exist")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DesksError([Problem(Location(str(path), 1), f"cannot read it ({type(error).__name__})")]) from None
    loaded = load_yaml(text, str(path))
    problems = list(loaded.problems)
    desks: list[DeskConfig] = []
    if loaded.data is not None and not problems:
        desks = _desks(loaded.data, loaded.source, default_language, problems)
    if problems:
        raise DesksError(problems)
    return DeskBook(tuple(desks), source=str(path))


Key = tuple[str | int, ...]


def _desks(data: Any, source: SourceMap, default_language: str, problems: list[Problem]) -> list[DeskConfig]:
    def problem(key: Key, message: str) -> None:
        problems.append(Problem(source.where(key), message))

    if not isinstance(data, dict) or not isinstance(data.get("desks"), list) or not data["desks"]:
        problem(("desks",), 'the file must hold "desks:", a list of at least one desk')
        return []
    for key in data:
        if key != "desks":
            problem((key,), f'unknown key "{key}" (the file holds only "desks:")')
    desks: list[DeskConfig] = []
    seen_ids: dict[str, int] = {}
    seen_chats: dict[int, int] = {}
    for index, raw in enumerate(data["desks"]):
        at = ("desks", index)
        if not isinstance(raw, dict):
            problem(at, "each desk is a mapping (id:, name:, chat_id:, …)")
            continue
        before = len(problems)
        for key in raw:
            if key not in FIELDS:
                problem((*at, key), f'unknown key "{key}"; a desk has {", ".join(FIELDS)}')
        for key in REQUIRED:
            if key not in raw:
                problem(at, f'this desk lacks "{key}"')
        if len(problems) > before:
            continue
        desk = _desk(raw, at, problem, default_language)
        if desk is None:
            continue
        if desk.id in seen_ids:
            problem((*at, "id"), f'desk id "{desk.id}" appears twice (first at line {seen_ids[desk.id]})')
            continue
        if desk.chat_id in seen_chats:
            problem((*at, "chat_id"), f"this group is already desk number {seen_chats[desk.chat_id]}'s")
            continue
        seen_ids[desk.id] = source.where((*at, "id")).line
        seen_chats[desk.chat_id] = index + 1
        desks.append(desk)
    return desks


def _desk(
    raw: dict[str, Any], at: Key, problem: Callable[[Key, str], None], default_language: str
) -> DeskConfig | None:
    ok = True

    def fail(key: str, message: str) -> None:
        nonlocal ok
        ok = False
        problem((*at, key), f"{key}: {message}")

    desk_id = raw["id"]
    if not isinstance(desk_id, str) or not DESK_ID.match(desk_id):
        fail("id", "must be short latin letters, digits, - or _ (like almaty or national-line)")
    name = raw["name"]
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        fail("name", f"must be the organisation's name, 1 to {MAX_NAME} characters")
    chat_id = raw["chat_id"]
    if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id >= 0:
        fail("chat_id", "must be the negative id of a forum supergroup, such as -1001234567890")
    regions = _strings(raw["regions"])
    if regions is None or not regions:
        fail("regions", 'must be a list of ISO 3166-2:KZ codes such as [KZ-75, KZ-19], or ["*"] for the whole country')
    elif NATIONAL in regions and len(regions) > 1:
        fail("regions", '"*" already means every region: write it alone')
    elif unknown := [region for region in regions if region != NATIONAL and region not in REGIONS]:
        fail("regions", f"unknown code {unknown[0]}; the codes are {', '.join(REGIONS)}")
    languages = _strings(raw["languages"])
    if languages is None or not languages or not set(languages) <= set(LANGUAGES):
        fail("languages", f"must be a list of {', '.join(LANGUAGES)}")
    language = raw.get("language", default_language)
    if language not in LANGUAGES:
        fail("language", f"must be one of {', '.join(LANGUAGES)} (the language of the advocates' interface)")
    hours, days = raw["hours"], raw["days"]
    try:
        hours = normalize_hours(str(hours))
    except ValueError as error:
        fail("hours", str(error))
    try:
        parse_days(str(days))
    except ValueError as error:
        fail("days", str(error))
    advocates, coordinators = _user_ids(raw["advocates"]), _user_ids(raw["coordinators"])
    if advocates is None or not advocates:
        fail("advocates", "must be a list of at least one Telegram user id (numbers, such as 111111111)")
    if coordinators is None:
        fail("coordinators", "must be a list of Telegram user ids (numbers), [] for none")
    if not ok:
        return None
    assert regions is not None and languages is not None and advocates is not None and coordinators is not None
    return DeskConfig(
        id=desk_id,
        name=name.strip(),
        chat_id=chat_id,
        regions=frozenset(regions),
        languages=tuple(dict.fromkeys(languages)),
        hours=WorkingHours.parse(hours, str(days)),
        hours_text=f"{hours} {str(days).strip().lower()}",
        advocates=frozenset(advocates),
        coordinators=frozenset(coordinators),
        language=str(language),
    )


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return [item.strip() for item in value]


def _user_ids(value: Any) -> list[int] | None:
    if not isinstance(value, list):
        return None
    if not all(isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in value):
        return None
    return list(value)


class DeskDirectory:
    """The desks the running bot uses: loaded once, swapped whole on reload (like the content), so every holder
    sees the new desks at once. A reload with errors is refused and the previous desks stay."""

    def __init__(self, book: DeskBook, path: Path | None = None, default_language: str = "ru") -> None:
        self.book = book
        self.path = path
        self._default_language = default_language

    @classmethod
    def configured(
        cls, desks_file: Path | None, advocate_chat_id: int | None, hours: str, days: str, language: str
    ) -> DeskDirectory:
        """BOT_DESKS_FILE (DesksError if it has errors), else the shorthand BOT_ADVOCATE_CHAT_ID, else no desk."""
        if desks_file is not None:
            return cls(load_desks(desks_file, language), desks_file, language)
        if advocate_chat_id is not None:
            return cls(shorthand(advocate_chat_id, hours, days, language))
        return cls(DeskBook())

    def reload(self) -> DeskBook:
        """Read BOT_DESKS_FILE again (DesksError if it has errors: nothing changes). The shorthand and "no
        desk" have nothing to read."""
        if self.path is not None:
            self.book = load_desks(self.path, self._default_language)
        return self.book
