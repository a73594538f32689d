"""The content model: what a screen, a button and a UI string are. pydantic checks each at load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator

from bot.content.problems import Location
from bot.content.yaml_source import SourceMap

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


class Source(_Strict):
    title: NonEmptyText
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _https_only(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("a source address must start with https://")
        return value


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
    sources: list[Source] = []
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


@dataclass
class ContentTree:
    packs: dict[str, LanguagePack]
    values: dict[str, str]
    values_origins: dict[str, Origin]
    fingerprint: str  # changes whenever any content file changes
    phones: frozenset[str] = frozenset()  # the only phone numbers texts may show (content/phones.yaml)
    parents: dict[str, str] = field(default_factory=dict)  # where Back leads from each screen

    def screen(self, language: str, screen_id: str) -> Screen | None:
        return self.packs[language].screens.get(screen_id)


def defined(pack: LanguagePack, screen_id: str) -> bool:
    """Whether the editor wrote this screen, even if it has errors of its own."""
    return screen_id in pack.screens or screen_id in pack.invalid_screens
