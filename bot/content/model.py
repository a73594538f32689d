"""The content model: what a screen, a button and a UI string are. pydantic checks each at load."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator

from bot.content.problems import Location
from bot.content.registry import LANGUAGES, SOURCE_LANGUAGE
from bot.content.yaml_source import SourceMap

if TYPE_CHECKING:
    from bot.content.documents import DocumentKind, DocumentTemplate

SCREEN_ID_PATTERN = r"^[a-z][a-z0-9_]{0,47}$"
ScreenId = Annotated[str, StringConstraints(pattern=SCREEN_ID_PATTERN)]
NonEmptyText = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})


class ScreenKind(StrEnum):
    MENU = "menu"
    INFO = "info"
    LEGAL = "legal"  # states the law: needs sources and a "checked on" date
    SERVICE = "service"  # names a phone number, an address or a service: same rule

    @property
    def needs_sources(self) -> bool:
        return self in (ScreenKind.LEGAL, ScreenKind.SERVICE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SOURCE_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"  # kz-criminal-code, loc-glm-2024-07-22
SOURCE_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")  # YYYY, YYYY-MM or YYYY-MM-DD
PUBLISHABLE = ("high", "medium")  # confidence marks of the fact sheet that may be published


def first_day_of(date: str) -> dt.date:
    """The earliest day a source date can mean (2024-07 → 1 July 2024); ValueError if it is not one."""
    match = SOURCE_DATE.match(date)
    if match is None:
        raise ValueError(date)
    year, month, day = (int(part) if part else 1 for part in match.groups())
    return dt.date(year, month, day)


class SourceEntry(_Strict):
    """One source in content/sources.yaml, cited by screens through its id."""

    title: NonEmptyText  # the source's own title, as published
    titles: dict[str, NonEmptyText] = {}  # the title for readers of the other languages
    short: NonEmptyText | dict[str, NonEmptyText]  # the label on a screen's source line
    publisher: NonEmptyText
    date: str  # YYYY, YYYY-MM or YYYY-MM-DD: published, or the version that was read
    url: str | None = None
    confidence: str

    @field_validator("titles")
    @classmethod
    def _titles_for_other_languages(cls, value: dict[str, str]) -> dict[str, str]:
        others = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]
        unknown = sorted(set(value) - set(others))
        if unknown:
            raise ValueError(f"titles are given per language ({', '.join(others)}); not {', '.join(unknown)}")
        return value

    @field_validator("short")
    @classmethod
    def _short_in_every_language(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        # A label in only some languages would leave a reader with none: all three, or one for all.
        if isinstance(value, dict) and set(value) != set(LANGUAGES):
            raise ValueError(f"give {', '.join(LANGUAGES)} (or one text for every language)")
        return value

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        # YAML reads 2024-07-22 as a date and 2024 as a number; all three forms are kept as text.
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("date")
    @classmethod
    def _real_date(cls, value: str) -> str:
        try:
            first_day_of(value)
        except ValueError:
            raise ValueError(f'"{value}" is not a date: write YYYY, YYYY-MM or YYYY-MM-DD') from None
        return value

    @field_validator("url")
    @classmethod
    def _https_only(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("a source address must start with https://")
        return value

    @field_validator("confidence", mode="before")
    @classmethod
    def _publishable(cls, value: Any) -> Any:
        if value not in PUBLISHABLE:
            raise ValueError(
                f'"{value}": must be high or medium, as in the fact sheet; facts marked low or unconfirmed are '
                "never published"
            )
        return value

    @property
    def first_day(self) -> dt.date:
        return first_day_of(self.date)

    def short_for(self, language: str) -> str:
        return self.short if isinstance(self.short, str) else self.short[language]

    def title_for(self, language: str) -> str:
        return self.titles.get(language, self.title)


class SourceRef(_Strict):
    """A screen's citation: a source id from content/sources.yaml and, optionally, the articles it relies on
    (in the screen's language, shown after the short label)."""

    id: NonEmptyText
    note: NonEmptyText | None = None


class Review(_Strict):
    """Who checked a legal or service screen: a role ("lawyer", "crisis-centre coordinator"), never a
    person's name, and when."""

    by: Annotated[str, StringConstraints(min_length=2, max_length=60, strip_whitespace=True)]
    date: dt.date


class Button(_Strict):
    text: NonEmptyText
    to: ScreenId | None = None
    action: NonEmptyText | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _exactly_one_target(self) -> Button:
        targets = [name for name in ("to", "action", "url") if getattr(self, name) is not None]
        if len(targets) != 1:
            raise ValueError('a button needs exactly one of "to" (a screen), "action" or "url"')
        if self.url is not None and not self.url.startswith("https://"):
            raise ValueError("a button address must start with https://")
        return self

    @property
    def target_key(self) -> tuple[str, str]:
        """What the button does, independent of language: compared across translations."""
        if self.to is not None:
            return ("to", self.to)
        if self.action is not None:
            return ("action", self.action)
        return ("url", self.url or "")


ItemId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,19}$")]


class ChecklistItem(_Strict):
    """One line of a checklist the person can tick; ticks are private and can be cleared."""

    id: ItemId
    text: NonEmptyText


class Screen(_Strict):
    kind: ScreenKind = ScreenKind.INFO
    text: NonEmptyText
    checklist: list[ChecklistItem] = []
    buttons: list[list[Button]] = []
    sources: list[SourceRef] = []
    show_sources: bool = True  # False: the sources stay in the file but the line and the button are not shown
    checked: dt.date | None = None
    reviewed: Review | None = None  # required on legal and service screens for a release (check --release)
    # In a translation: the version of the Russian screen it was made from (`content status --stamp`).
    translated_from: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}$")] | None = None
    menu_button: bool = True  # the automatic Back / Main menu row; the first screens turn it off

    @field_validator("buttons", mode="before")
    @classmethod
    def _rows(cls, value: Any) -> Any:
        # Editors write one button per row as a plain item, several in a row as a list.
        if isinstance(value, list):
            return [row if isinstance(row, list) else [row] for row in value]
        return value

    @field_validator("sources", mode="before")
    @classmethod
    def _source_ids(cls, value: Any) -> Any:
        # Editors write a bare id, or {id: …, note: …} when the screen relies on particular articles.
        if not isinstance(value, list):
            return value
        if any(isinstance(item, dict) and "title" in item for item in value):
            raise ValueError(
                "list source ids from content/sources.yaml (- kz-criminal-code), not titles; see content/README.md"
            )
        return [{"id": item} if isinstance(item, str) else item for item in value]

    @field_validator("text", mode="before")
    @classmethod
    def _text_is_text(cls, value: Any) -> Any:
        if isinstance(value, int | float | bool):
            raise ValueError("text must be words, not a number; put it in quotes")
        return value


UiText = str | dict[str, str]


@dataclass
class Origin:
    """Where a screen or string was written: its file, and its key inside that file."""

    source: SourceMap
    key: tuple[str | int, ...]

    def where(self, *subkey: str | int) -> Location:
        return self.source.where((*self.key, *subkey))

    def where_in_text(self, subkey: tuple[str | int, ...], text: str, offset: int) -> Location:
        return self.source.where_in_text((*self.key, *subkey), text, offset)


@dataclass
class LanguagePack:
    language: str
    folder: str = ""
    complete: bool = True  # False when a file could not be read: "missing" checks would only mislead
    invalid_screens: set[str] = field(default_factory=set)  # defined, but with errors already reported
    screens: dict[str, Screen] = field(default_factory=dict)
    screen_origins: dict[str, Origin] = field(default_factory=dict)
    screen_files: dict[str, str] = field(default_factory=dict)  # screen id -> file name (start.yaml)
    ui: dict[str, UiText] = field(default_factory=dict)
    ui_origins: dict[str, Origin] = field(default_factory=dict)
    # content/<lang>/documents/<kind>.yaml: the drafts' templates (bot/content/documents.py)
    documents: dict[DocumentKind, DocumentTemplate] = field(default_factory=dict)
    document_origins: dict[DocumentKind, Origin] = field(default_factory=dict)  # also those with errors
    invalid_documents: set[str] = field(default_factory=set)  # file stems with errors already reported


@dataclass
class ContentTree:
    packs: dict[str, LanguagePack]
    values: dict[str, str]
    values_origins: dict[str, Origin]
    fingerprint: str  # changes whenever any content file changes
    phones: frozenset[str] = frozenset()  # the only phone numbers texts may show (content/phones.yaml)
    sources: dict[str, SourceEntry] = field(default_factory=dict)  # content/sources.yaml, by id
    source_origins: dict[str, Origin] = field(default_factory=dict)
    # Sources with errors of their own (already reported): citing them is not also "unknown".
    invalid_sources: set[str] = field(default_factory=set)
    sources_complete: bool = True  # False when sources.yaml could not be read: "unknown id" would only mislead
    parents: dict[str, str] = field(default_factory=dict)  # where Back leads from each screen

    def screen(self, language: str, screen_id: str) -> Screen | None:
        return self.packs[language].screens.get(screen_id)


def defined(pack: LanguagePack, screen_id: str) -> bool:
    """Whether the editor wrote this screen, even if it has errors of its own."""
    return screen_id in pack.screens or screen_id in pack.invalid_screens
