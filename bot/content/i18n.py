"""Languages, UI strings with plural forms, and numbers and dates formatted by Babel for ru, kk and en."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_decimal

from bot.content.model import UiText
from bot.content.registry import LANGUAGES, SOURCE_LANGUAGE
from bot.timezone import ALMATY

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def guess_language(language_code: str | None) -> tuple[str, bool]:
    """Map Telegram's IETF language tag to one of ours. The flag says whether the guess is confident;
    when it is not (any other language), Russian is used and the choice should be offered."""
    primary = (language_code or "").split("-")[0].split("_")[0].lower()
    if primary in LANGUAGES:
        return primary, True
    return SOURCE_LANGUAGE, False


def plural_categories(language: str) -> frozenset[str]:
    """The plural forms a language needs (CLDR): ru one/few/many/other, kk and en one/other."""
    return frozenset(Locale.parse(language).plural_form.tags) | {"other"}


class Localizer:
    """UI strings and formatting for one language."""

    def __init__(self, language: str, strings: Mapping[str, UiText]) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._strings = strings

    def text(self, key: str, **values: object) -> str:
        entry = self._strings.get(key)
        if entry is None:
            raise KeyError(f"UI string {key!r} is missing for {self.language}")
        if isinstance(entry, dict):
            entry = entry.get("other") or next(iter(entry.values()))
        return entry.format(**{name: self._format(value) for name, value in values.items()})

    def plural(self, key: str, count: int, **values: object) -> str:
        entry = self._strings.get(key)
        if entry is None:
            raise KeyError(f"UI string {key!r} is missing for {self.language}")
        form = entry if isinstance(entry, str) else entry.get(self.locale.plural_form(count)) or entry["other"]
        formatted = {name: self._format(value) for name, value in values.items()}
        return form.format(count=self.number(count), **formatted)

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: dt.date) -> str:
        return format_date(value, format="long", locale=self.locale)

    def month(self, value: dt.date) -> str:
        """A month and year, as each language writes them ("July 2024", "июль 2024 г.", "2024 ж. шілде")."""
        return format_skeleton("yMMMM", value, locale=self.locale)

    def datetime(self, value: dt.datetime) -> str:
        """Date and time in Kazakhstan's time zone, as a person there reads her clock."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        # The language's own long date (as `date` writes it), then the time: one way of writing a day per language.
        pattern = f"{self.locale.date_formats['long'].pattern}, HH:mm"
        return format_datetime(value, format=pattern, tzinfo=ALMATY, locale=self.locale)

    def weekday_time(self, value: dt.datetime) -> str:
        """ "Monday, 09:00" in her language and Kazakhstan time: when the next shift starts."""
        return format_datetime(value, format="EEEE, HH:mm", tzinfo=ALMATY, locale=self.locale)

    def _format(self, value: object) -> str:
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | float):
            return self.number(value)
        if isinstance(value, dt.datetime):
            return self.datetime(value)
        if isinstance(value, dt.date):
            return self.date(value)
        return str(value)
