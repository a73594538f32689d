"""Babel formatting for ru/kk/en, language guessing, and the editors' markup."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.content import callbacks
from bot.content.i18n import Localizer, guess_language
from bot.content.markup import placeholders_in, to_html

MINUTES = {
    "ru": {"one": "{count} минута", "few": "{count} минуты", "many": "{count} минут", "other": "{count} минуты"},
    "kk": {"one": "{count} минут", "other": "{count} минут"},
    "en": {"one": "{count} minute", "other": "{count} minutes"},
}


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("ru", 1, "1 минута"),
        ("ru", 3, "3 минуты"),
        ("ru", 5, "5 минут"),
        ("ru", 21, "21 минута"),
        ("ru", 1500, "1\xa0500 минут"),
        ("en", 1, "1 minute"),
        ("en", 2, "2 minutes"),
        ("en", 1500, "1,500 minutes"),
        ("kk", 2, "2 минут"),
    ],
)
def test_plural_forms_and_numbers(language, count, expected):
    assert Localizer(language, {"minutes": MINUTES[language]}).plural("minutes", count) == expected


def test_dates_are_shown_in_kazakhstan_time():
    late_evening_utc = dt.datetime(2026, 11, 27, 20, 30, tzinfo=dt.UTC)  # 01:30 next day in UTC+5
    assert Localizer("ru", {}).datetime(late_evening_utc) == "28 ноября 2026\u202fг., 01:30"
    assert Localizer("en", {}).datetime(late_evening_utc) == "November 28, 2026, 01:30"
    # The day is written as each language writes a date alone (a journal entry's date beside when it was written).
    assert Localizer("kk", {}).datetime(late_evening_utc) == "2026\u202fж. 28 қараша, 01:30"
    assert "қараша" in Localizer("kk", {}).date(dt.date(2026, 11, 28))


def test_ui_text_fills_placeholders_with_localised_values():
    ui = Localizer("ru", {"checked_on": "Проверено {date}"})
    assert ui.text("checked_on", date=dt.date(2026, 11, 28)) == "Проверено 28 ноября 2026\u202fг."
    with pytest.raises(KeyError):
        ui.text("nope")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("kk", ("kk", True)),
        ("ru", ("ru", True)),
        ("en", ("en", True)),
        ("en-GB", ("en", True)),
        ("uz", ("ru", False)),
        (None, ("ru", False)),
        ("", ("ru", False)),
    ],
)
def test_language_guess(code, expected):
    assert guess_language(code) == expected


def test_markup_renders_telegram_html_and_escapes_everything_else():
    rendered = to_html("**Call 102** & _now_ <please>\n- one\n* two\n[site](https://egov.kz?a=1&b=2)")
    assert rendered.html == (
        '<b>Call 102</b> &amp; <i>now</i> &lt;please&gt;\n• one\n• two\n<a href="https://egov.kz?a=1&amp;b=2">site</a>'
    )
    assert rendered.plain == "Call 102 & now <please>\n• one\n• two\nsite"
    # "<please>" looks like an HTML tag: shown as typed, with a warning (not an error) for the editor.
    assert [issue.severity for issue in rendered.issues] == ["warning"]


def test_underscores_inside_words_stay_as_they_are():
    assert to_html("snake_case and file_name_here").html == "snake_case and file_name_here"


def test_length_counts_utf16_like_telegram():
    assert to_html("**ә**").length == 1
    assert to_html("🆘").length == 2


def test_placeholders():
    assert placeholders_in("Fine {mrp} and {{literal}}") == {"mrp"}
    assert to_html("Fine {mrp} ₸", {"mrp": "4 325"}).plain == "Fine 4 325 ₸"


def test_callback_payloads_round_trip_and_reject_forgeries():
    assert callbacks.parse(callbacks.for_screen("menu")) == callbacks.Callback("screen", "menu")
    assert callbacks.parse(callbacks.for_action("language:kk")) == callbacks.Callback("action", "language:kk")
    for forged in ("", "menu", "2:s:menu", "1:x:menu", "1:s:", "1:s:мәзір", None):
        assert callbacks.parse(forged) is None


@pytest.mark.parametrize("address", ["javascript:void", "data:text/html,hi", "http://example.org"])
def test_a_link_to_anything_but_https_is_an_error_and_never_a_live_link(address):
    rendered = to_html(f"[press here]({address})")
    assert "<a" not in rendered.html and "press here" in rendered.html  # the words stay, the link does not
    assert any("must start with https://" in issue.message for issue in rendered.issues)
