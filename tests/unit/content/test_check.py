"""`content check`: every rule has a failing example, reported as path:line, and the shipped tree passes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT_DIR
from bot.content.validate import check_content
from bot.features import UI_KEYS
from tests.support.content_tree import replace_in, write_tree

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "content")


def errors(root: Path) -> list[str]:
    _, problems = check_content(root, UI_KEYS, today=TODAY)
    return [str(problem).replace(str(root) + "/", "") for problem in problems if problem.is_error]


def warnings(root: Path) -> list[str]:
    _, problems = check_content(root, UI_KEYS, today=TODAY)
    return [str(problem).replace(str(root) + "/", "") for problem in problems if not problem.is_error]


def test_the_fixture_tree_is_clean(tree):
    assert errors(tree) == []
    assert warnings(tree) == []


def test_the_shipped_content_passes():
    _, problems = check_content(DEFAULT_CONTENT_DIR, UI_KEYS)
    assert [str(problem) for problem in problems] == []


def test_yaml_syntax_error_names_the_line(tree):
    replace_in(tree / "kk" / "main.yaml", "  kind: menu\n", "  kind: menu\n   oops: [\n")
    found = errors(tree)
    assert len(found) == 1, found
    assert found[0].startswith("kk/main.yaml:15: YAML syntax error"), found


def test_tabs_get_a_hint(tree):
    replace_in(tree / "en" / "main.yaml", "  kind: menu\n", "\tkind: menu\n")
    assert any("use spaces, not tabs" in line for line in errors(tree))


def test_two_screens_with_one_id(tree):
    path = tree / "ru" / "main.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nmenu:\n  text: again\n", encoding="utf-8")
    assert any(line.startswith("ru/main.yaml:49:") and "appears twice" in line for line in errors(tree))


def test_screen_missing_in_one_language(tree):
    for language in ("ru", "en"):
        path = tree / language / "main.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\nextra:\n  text: More\n", encoding="utf-8")
    replace_in(
        tree / "ru" / "main.yaml",
        '    - {text: "Language", to: language}',
        '    - {text: "Language", to: language}\n    - {text: "X", to: extra}',
    )
    replace_in(
        tree / "en" / "main.yaml",
        '    - {text: "Language", to: language}',
        '    - {text: "Language", to: language}\n    - {text: "X", to: extra}',
    )
    found = errors(tree)
    assert any(
        line.startswith("ru/main.yaml:50:") and 'screen "extra" is missing in Kazakh' in line for line in found
    ), found


def test_required_screen_missing(tree):
    replace_in(
        tree / "en" / "main.yaml",
        "language:\n  kind: menu\n  text: Choose en",
        "languages:\n  kind: menu\n  text: Choose en",
    )
    assert any('screen "language" is required by the bot but missing in en' in line for line in errors(tree))


def test_button_to_a_missing_screen(tree):
    replace_in(tree / "en" / "main.yaml", '{text: "Help", to: emergency}', '{text: "Help", to: emergancy}')
    assert any(
        line.startswith("en/main.yaml:19:") and 'opens screen "emergancy", which does not exist' in line
        for line in errors(tree)
    )


def test_unreachable_screen(tree):
    for language in ("ru", "kk", "en"):
        path = tree / language / "main.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\nlost:\n  text: Nobody links here\n", encoding="utf-8")
    assert 'ru/main.yaml:49: screen "lost" cannot be reached: no button opens it' in errors(tree)


def test_text_over_telegram_limit(tree):
    replace_in(tree / "kk" / "main.yaml", "    Menu kk\n", "    " + "ә" * 4100 + "\n")
    assert any(line.startswith("kk/main.yaml:16:") and "Telegram allows 4096" in line for line in errors(tree))


def test_long_text_is_a_warning_only(tree):
    replace_in(tree / "kk" / "main.yaml", "    Menu kk\n", "    " + "сөз " * 400 + "\n")
    assert errors(tree) == []
    assert any("hard to read on a phone" in line for line in warnings(tree))


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("Call **102.", "bold mark ** opened here is never closed"),
        ("Call **1 _0** 2_.", "marks overlap"),
        ("Call [us](http://example.org).", "must start with https://"),
        ("Call { 102.", "a lone {"),
        ("Call 102 }.", "a lone }"),
    ],
)
def test_formatting_telegram_would_reject(tree, broken, message):
    replace_in(tree / "en" / "main.yaml", "Hello en. Call **102**.", broken.replace("Call", "Hello en. Call"))
    assert any(line.startswith("en/main.yaml:4:") and message in line for line in errors(tree)), errors(tree)


def test_error_inside_a_long_text_names_its_own_line(tree):
    replace_in(tree / "ru" / "main.yaml", "    Menu ru\n", "    Menu ru\n\n    second\n    third **open\n")
    assert any(line.startswith("ru/main.yaml:20:") and "never closed" in line for line in errors(tree)), errors(tree)


def test_html_tags_are_flagged(tree):
    replace_in(tree / "en" / "main.yaml", "Hello en.", "<b>Hello</b> en.")
    assert any(line.startswith("en/main.yaml:4:") and "HTML tags are not used" in line for line in warnings(tree))


def test_callback_data_over_64_bytes(tree):
    long_id = "a" * 48  # the longest screen id allowed still fits in Telegram's 64 bytes
    for language in ("ru", "kk", "en"):
        path = tree / language / "main.yaml"
        path.write_text(path.read_text(encoding="utf-8") + f"\n{long_id}:\n  text: Long\n", encoding="utf-8")
        replace_in(
            path,
            '{text: "Language", to: language}',
            f'{{text: "Language", to: language}}\n    - {{text: "L", to: {long_id}}}',
        )
    assert errors(tree) == []
    replace_in(
        tree / "en" / "main.yaml",
        '{text: "KK", action: "language:kk"}, {text: "RU"',
        '{text: "KK", action: "language:' + "k" * 60 + '"}, {text: "RU"',
    )
    found = errors(tree)
    assert any(line.startswith("en/main.yaml:6:") and "over Telegram's 64 bytes" in line for line in found), found


def test_legal_screen_without_sources_or_date(tree):
    replace_in(
        tree / "kk" / "main.yaml",
        "  sources:\n    - egov\n  checked: 2026-01-10\n\nlanguage",
        "\nlanguage",
    )
    found = errors(tree)
    assert 'kk/main.yaml:22: service screen "emergency" must list its sources (sources:)' in found
    assert any(line.startswith("kk/main.yaml:22:") and "must say when its facts were checked" in line for line in found)


def test_checked_date_in_the_future(tree):
    replace_in(tree / "en" / "main.yaml", "checked: 2026-01-10", "checked: 2027-01-10")
    assert "en/main.yaml:11: the date 2027-01-10 is in the future" in errors(tree)


def test_placeholder_in_one_language_only(tree):
    (tree / "values.yaml").write_text("mrp: 4325\n", encoding="utf-8")
    for language in ("ru", "kk"):
        replace_in(tree / language / "main.yaml", "police", "police {mrp}")
    found = errors(tree)
    assert any(
        line.startswith("en/main.yaml:24:") and "placeholders differ" in line and "{mrp}" in line for line in found
    ), found


def test_unknown_placeholder(tree):
    replace_in(tree / "en" / "main.yaml", "police en", "police {nope}")
    assert any("unknown placeholder {nope}" in line for line in errors(tree))


def test_buttons_differ_between_languages(tree):
    replace_in(tree / "kk" / "main.yaml", '{text: "Help", to: emergency}', '{text: "Help", to: language}')
    assert any(
        line.startswith("kk/main.yaml:18:") and "the buttons differ from ru/main.yaml" in line for line in errors(tree)
    )


def test_kind_differs_between_languages(tree):
    replace_in(tree / "en" / "main.yaml", "emergency:\n  kind: service", "emergency:\n  kind: legal")
    assert any(line.startswith("en/main.yaml:23:") and '"legal" here but "service"' in line for line in errors(tree))


def test_misspelt_field(tree):
    replace_in(tree / "en" / "main.yaml", '  buttons:\n    - {text: "Help"', '  buttns:\n    - {text: "Help"')
    found = errors(tree)
    assert any(line.startswith("en/main.yaml:18:") and 'unknown field "buttns"' in line for line in found), found


def test_button_without_a_target(tree):
    replace_in(tree / "en" / "main.yaml", '{text: "Help", to: emergency}', '{text: "Help"}')
    assert any(line.startswith("en/main.yaml:19:") and "exactly one of" in line for line in errors(tree)), errors(tree)


def test_unknown_action(tree):
    replace_in(
        tree / "ru" / "main.yaml",
        'action: "language:kk"}, {text: "RU", action: "language:ru"}]\n    - {text: "Next',
        'action: "languag:kk"}, {text: "RU", action: "language:ru"}]\n    - {text: "Next',
    )
    assert any(line.startswith("ru/main.yaml:6:") and 'unknown action "languag:kk"' in line for line in errors(tree))


def test_ui_string_missing_and_unknown_placeholder(tree):
    replace_in(tree / "kk" / "ui.yaml", 'stale_button: "Old button"\n', "")
    replace_in(tree / "en" / "ui.yaml", '"Checked {date}"', '"Checked {when}"')
    found = errors(tree)
    assert 'kk/ui.yaml:1: UI string "stale_button" is missing' in found
    assert any(line.startswith("en/ui.yaml:3:") and "{when}" in line for line in found)


def test_plural_forms_per_language(tree):
    for language in ("ru", "kk", "en"):
        path = tree / language / "ui.yaml"
        forms = '  one: "{count} минута"\n  other: "{count} минут"\n'
        path.write_text(path.read_text(encoding="utf-8") + "minutes:\n" + forms, encoding="utf-8")
    found = errors(tree)
    # Russian needs few and many too; Kazakh and English are complete with one and other.
    assert any(
        line.startswith("ru/ui.yaml:35:") and "needs the plural forms few, many in ru" in line for line in found
    ), found
    assert not any("kk/ui.yaml" in line or "en/ui.yaml" in line for line in found)


def test_file_not_in_utf8(tree):
    (tree / "en" / "main.yaml").write_bytes("menu:\n  text: caf\xe9\n".encode("latin-1"))
    assert any(line.startswith("en/main.yaml:2:") and "not saved as UTF-8" in line for line in errors(tree))


def test_cli_prints_path_line_and_fails_then_passes(tree):
    replace_in(tree / "en" / "main.yaml", '{text: "Help", to: emergency}', '{text: "Help", to: nowhere}')
    broken = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", "--content-dir", str(tree)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert broken.returncode == 1
    assert f'{tree}/en/main.yaml:19: button "Help" opens screen "nowhere"' in broken.stdout
    assert "2 error(s)" in broken.stdout  # the broken link, and the buttons now differing from ru

    shipped = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check"], capture_output=True, text=True, timeout=60
    )
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    assert "0 error(s)" in shipped.stdout


@pytest.mark.parametrize(
    "text",
    ["Позвоните 1409.", "Горячая линия: **150**", "Call +7 701 123 45 67 now", "Тел.: 8 727 123 45 67"],
)
def test_a_phone_number_not_in_the_fact_sheet_is_refused(tree, text):
    replace_in(tree / "ru" / "main.yaml", "- **102** police ru", f"- **102** police ru. {text}")
    found = errors(tree)
    assert any(line.startswith("ru/main.yaml:25:") and "not in content/phones.yaml" in line for line in found), found


@pytest.mark.parametrize(
    "text",
    [
        "УК, статья 115, и ст. 110",
        "Уголовный кодекс 109-1 и 108-1",
        "штраф до 120 МРП, арест до 150 часов",
        "ҚК 110-бабы",
        "articles 110, 115 and 125-1",
    ],
)
def test_articles_amounts_and_counts_are_not_taken_for_phone_numbers(tree, text):
    replace_in(tree / "ru" / "main.yaml", "- **102** police ru", f"- **102** police ru. {text}")
    assert errors(tree) == []


def test_a_count_near_a_phone_word_can_be_written_as_a_value(tree):
    replace_in(tree / "ru" / "main.yaml", "- **102** police ru", "- **102** police ru. Центров было 131.")
    assert any("131 looks like a phone number" in line and "values.yaml" in line for line in errors(tree))
    (tree / "values.yaml").write_text("centres_2025: 131\n", encoding="utf-8")
    for language in ("ru", "kk", "en"):
        replace_in(tree / language / "main.yaml", f"- **102** police {language}", "- **102** police. {centres_2025}")
    replace_in(tree / "ru" / "main.yaml", "Центров было 131.", "")
    assert errors(tree) == []


def test_a_number_the_fact_sheet_marks_low_cannot_be_listed(tree):
    path = tree / "phones.yaml"
    path.write_text(path.read_text(encoding="utf-8") + '"1402":\n  purpose: "x"\n  confidence: low\n  source: "y"\n')
    assert "phones.yaml:5: number 1402: confidence must be high or medium in the fact sheet to publish" in errors(tree)


def test_canned_replies_must_exist_in_every_language(tree):
    for language in ("ru", "en"):
        path = tree / language / "ui.yaml"
        path.write_text(path.read_text(encoding="utf-8") + 'canned_hello: "Hello"\n', encoding="utf-8")
    found = errors(tree)
    assert any(line.startswith("kk/ui_handoff.yaml:1:") and 'canned reply "canned_hello"' in line for line in found)
    assert warnings(tree) == []  # canned replies are the editors' own: not "unused"


def test_release_needs_a_recent_review_on_legal_and_service_screens(tree):
    from bot.content.validate import ReleasePolicy

    def release_errors(max_age: int = 180) -> list[str]:
        _, problems = check_content(tree, UI_KEYS, today=TODAY, release=ReleasePolicy(max_age))
        return [str(p).replace(str(tree) + "/", "") for p in problems if p.is_error]

    assert errors(tree) == []  # an ordinary check does not ask for reviews
    missing = release_errors()
    assert (
        'en/main.yaml:22: service screen "emergency" has no review; a release needs reviewed: '
        "{by: lawyer, date: YYYY-MM-DD}" in missing
    )
    for language in ("ru", "kk", "en"):
        for name in ("main.yaml", "handoff.yaml"):
            path = tree / language / name
            text = path.read_text(encoding="utf-8").replace(
                "  checked: 2026-01-10\n", "  checked: 2026-01-10\n  reviewed: {by: lawyer, date: 2026-10-01}\n"
            )
            path.write_text(text, encoding="utf-8")
        for path in (tree / language / "documents").glob("*.yaml"):  # the drafts' templates: legal too
            replace_in(path, "checked: 2026-01-10\n", "checked: 2026-01-10\nreviewed: {by: lawyer, date: 2026-10-01}\n")
    assert release_errors() == []
    old = release_errors(max_age=30)
    assert any("en/main.yaml:12:" in line and "older than 30 days" in line for line in old), old


# --- Sources: content/sources.yaml lists each source once; screens cite its ids.


def test_a_screen_citing_an_unknown_source(tree):
    replace_in(tree / "kk" / "main.yaml", "    - egov\n  checked", "    - egov\n    - egov-113\n  checked")
    replace_in(tree / "ru" / "main.yaml", "    - egov\n  checked", "    - egov\n    - egov-113\n  checked")
    replace_in(tree / "en" / "main.yaml", "    - egov\n  checked", "    - egov\n    - egov-113\n  checked")
    found = errors(tree)
    assert any(line.startswith('kk/main.yaml:28: source "egov-113" is not in content/sources.yaml') for line in found)


def test_a_source_nobody_cites_is_an_error(tree):
    path = tree / "sources.yaml"
    extra = '\nloc:\n  title: "T"\n  short: "LoC"\n  publisher: "LoC"\n  date: 2024\n  confidence: medium\n'
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    assert any(line.startswith("sources.yaml:10:") and 'source "loc" is not cited by any screen' in line
               for line in errors(tree)), errors(tree)  # fmt: skip


@pytest.mark.parametrize("mark", ["low", "unconfirmed", "UNCONFIRMED", "likely"])
def test_a_source_with_a_confidence_that_is_not_publishable(tree, mark):
    replace_in(tree / "sources.yaml", "confidence: high", f"confidence: {mark}")
    assert any(line.startswith("sources.yaml:8:") and "must be high or medium" in line for line in errors(tree))


def test_a_source_missing_a_field(tree):
    replace_in(tree / "sources.yaml", '  publisher: "eGov.kz"\n', "")
    assert 'sources.yaml:1: source "egov" is missing: add "publisher:"' in errors(tree)


def test_a_source_with_an_address_that_is_not_https(tree):
    replace_in(tree / "sources.yaml", "https://egov.kz", "http://egov.kz")
    assert any(line.startswith("sources.yaml:7:") and "must start with https://" in line for line in errors(tree))


@pytest.mark.parametrize("date", ["2026-13", "22.07.2024", "2024-02-30", "July 2024", "'24'"])
def test_a_source_with_a_bad_date(tree, date):
    replace_in(tree / "sources.yaml", "date: 2026-01", f"date: {date}")
    found = errors(tree)
    assert any(line.startswith("sources.yaml:6:") and "write YYYY, YYYY-MM or YYYY-MM-DD" in line for line in found)


@pytest.mark.parametrize("date", ["2024", "2024-07", "2024-07-22"])
def test_a_source_date_may_be_a_year_a_month_or_a_day(tree, date):
    replace_in(tree / "sources.yaml", "date: 2026-01", f"date: {date}")
    assert errors(tree) == []


def test_a_source_dated_in_the_future(tree):
    replace_in(tree / "sources.yaml", "date: 2026-01", "date: 2026-12")
    assert "sources.yaml:6: the date 2026-12 is in the future" in errors(tree)


def test_a_short_label_for_some_languages_only(tree):
    replace_in(tree / "sources.yaml", 'short: {ru: "eGov RU", kk: "eGov KK", en: "eGov EN"}', 'short: {ru: "eGov"}')
    assert any(line.startswith("sources.yaml:4:") and "give ru, kk, en" in line for line in errors(tree))


def test_a_source_id_with_capitals_or_underscores(tree):
    replace_in(tree / "sources.yaml", "egov:", "eGov_112:")
    found = errors(tree)
    assert any(line.startswith("sources.yaml:1:") and "small latin letters, digits and -" in line for line in found)


def test_the_list_of_sources_is_missing(tree):
    (tree / "sources.yaml").unlink()
    assert "sources.yaml:1: the list of sources (sources.yaml) is missing" in errors(tree)


def test_the_old_written_out_form_gets_a_pointer_to_the_ids(tree):
    replace_in(tree / "en" / "main.yaml", "    - egov\n  checked", '    - title: "eGov.kz"\n  checked')
    found = errors(tree)
    assert any(line.startswith("en/main.yaml:26:") and "list source ids from content/sources.yaml" in line
               for line in found), found  # fmt: skip


def test_the_same_source_twice_on_a_screen(tree):
    twice = '    - egov\n    - {id: egov, note: "103"}\n  checked'
    replace_in(tree / "en" / "main.yaml", "    - egov\n  checked", twice)
    assert any(line.startswith("en/main.yaml:28:") and "listed twice" in line for line in errors(tree)), errors(tree)


def test_sources_differ_between_languages(tree):
    path = tree / "sources.yaml"
    extra = '\nloc:\n  title: "T"\n  short: "LoC"\n  publisher: "LoC"\n  date: 2024\n  confidence: medium\n'
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    for language in ("ru", "en"):
        replace_in(tree / language / "main.yaml", "    - egov\n  checked", "    - egov\n    - loc\n  checked")
    found = errors(tree)
    assert any(line.startswith("kk/main.yaml:26:") and "the sources differ from ru/main.yaml" in line
               for line in found), found  # fmt: skip
    assert not any("not cited" in line for line in found)


def test_notes_may_differ_between_languages(tree):
    replace_in(tree / "kk" / "main.yaml", "    - egov\n  checked", '    - {id: egov, note: "102-бап"}\n  checked')
    assert errors(tree) == []


def test_a_message_made_of_several_screens_must_fit_one_telegram_message(tree):
    # The danger check's result with every sign marked is one message of several screens: each screen alone
    # is short enough, all of them together are not.
    from bot.content.registry import DANGER_RESULT_SCREEN, DANGER_SIGN_SCREENS

    path = tree / "ru" / "danger.yaml"
    for screen_id in DANGER_SIGN_SCREENS:
        replace_in(path, f"  text: {screen_id} ru\n", f"  text: {'Long advice. ' * 50}\n")
    line = path.read_text(encoding="utf-8").splitlines().index(f"{DANGER_RESULT_SCREEN}:") + 2
    found = errors(tree)
    assert len(found) == 1, found
    expected = f"ru/danger.yaml:{line}: the screens {DANGER_RESULT_SCREEN}, danger_check_choking"
    assert found[0].startswith(expected), found
    assert "Telegram allows 4096. Shorten them" in found[0]
