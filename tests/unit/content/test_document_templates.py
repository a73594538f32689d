"""`content check` on the drafts' templates (content/<lang>/documents/<kind>.yaml): each rule broken once in a
copy of the fixture tree, the message asserted with its path:line, as an editor would read it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.validate import ReleasePolicy, check_content
from bot.features import UI_KEYS
from tests.support.content_tree import TRANSLATION_LINE, replace_in, write_tree

TODAY = dt.date(2026, 11, 28)
STATEMENT = "documents/police_statement.yaml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "content")


def errors(root: Path, release: ReleasePolicy | None = None) -> list[str]:
    _, problems = check_content(root, UI_KEYS, today=TODAY, release=release)
    return [str(problem).replace(str(root) + "/", "") for problem in problems if problem.is_error]


def test_the_fixture_templates_are_clean(tree):
    assert errors(tree) == []


def test_an_unknown_placeholder(tree):
    replace_in(tree / "kk" / STATEMENT, '"From {full_name}"', '"From {fullname}"')
    found = errors(tree)
    assert any(line.startswith(f"kk/{STATEMENT}:6: unknown placeholder {{fullname}} (known: ") for line in found), found


def test_a_required_placeholder_missing(tree):
    for language in ("ru", "kk", "en"):
        replace_in(tree / language / STATEMENT, '"{today} / {full_name}"', '"Date: ____ / {full_name}"')
    assert (
        f'ru/{STATEMENT}:1: document "police_statement" must use {{today}} (see content/README.md, document '
        "templates)" in errors(tree)
    )


def test_the_same_placeholders_in_every_language(tree):
    replace_in(tree / "en" / STATEMENT, '  - "From {full_name}"\n', '  - "From {full_name}"\n  - "Phone {phone}"\n')
    assert (
        f'en/{STATEMENT}:1: document "police_statement": placeholders differ from ru/{STATEMENT} (expected '
        "{addressee}, {attachments}, {full_name}, {incidents}, {today}, found {addressee}, {attachments}, "
        "{full_name}, {incidents}, {phone}, {today})" in errors(tree)
    )


def test_a_kind_missing_in_one_language(tree):
    (tree / "kk" / STATEMENT).unlink()
    assert errors(tree) == [
        f'ru/{STATEMENT}:1: document "police_statement" is missing in Kazakh (add kk/{STATEMENT})'
    ]  # fmt: skip


def test_a_kind_missing_everywhere(tree):
    for language in ("ru", "kk", "en"):
        (tree / language / "documents" / "protective_order.yaml").unlink()
    found = errors(tree)
    assert (
        'ru/documents:1: document "protective_order" is required by the bot but missing in ru (add '
        "ru/documents/protective_order.yaml)" in found
    ), found


def test_a_file_that_is_no_kind_of_document(tree):
    (tree / "en" / "documents" / "statement.yaml").write_text("kind: legal\n", encoding="utf-8")
    found = errors(tree)
    assert any(
        line.startswith('en/documents/statement.yaml:1: "statement" is not a kind of document the bot makes')
        for line in found
    ), found


def test_a_field_with_a_wrong_value(tree):
    replace_in(tree / "ru" / STATEMENT, "kind: legal", "kind: info")
    found = errors(tree)
    assert any(line.startswith(f'ru/{STATEMENT}:1: document "police_statement" kind: Input should') for line in found)


def test_a_source_that_does_not_exist(tree):
    for language in ("ru", "kk", "en"):
        replace_in(tree / language / STATEMENT, "  - egov\n", "  - egov\n  - kz-upk\n")
    assert (
        f'kk/{STATEMENT}:18: source "kz-upk" is not in content/sources.yaml (misspelt? a new source is added there '
        "first, from the fact sheet)" in errors(tree)
    )


def test_no_sources(tree):
    for language in ("ru", "kk", "en"):
        replace_in(tree / language / STATEMENT, "sources:\n  - egov\n", "")
    assert f'ru/{STATEMENT}:1: document "police_statement" must list its sources (sources:)' in errors(tree)


def test_checked_missing_or_in_the_future(tree):
    replace_in(tree / "kk" / STATEMENT, "checked: 2026-01-10\n", "")
    replace_in(tree / "en" / STATEMENT, "checked: 2026-01-10", "checked: 2027-01-10")
    found = errors(tree)
    assert (
        f'kk/{STATEMENT}:1: document "police_statement" must say when its facts were checked (checked: YYYY-MM-DD)'
        in found
    )
    assert f"en/{STATEMENT}:18: the date 2027-01-10 is in the future" in found


def test_a_release_needs_a_recent_review(tree):
    release = ReleasePolicy(max_review_age_days=30)
    assert f'ru/{STATEMENT}:1: document "police_statement" has no review; a release needs reviewed: ' \
        "{by: lawyer, date: YYYY-MM-DD}" in errors(tree, release)  # fmt: skip
    assert errors(tree) == []  # an ordinary check does not ask for it
    replace_in(
        tree / "kk" / STATEMENT,
        "checked: 2026-01-10\n",
        "checked: 2026-01-10\nreviewed: {by: lawyer, date: 2026-09-01}\n",
    )
    assert (
        f'kk/{STATEMENT}:19: document "police_statement": its review of 2026-09-01 is older than 30 days; review '
        "it again" in errors(tree, release)
    )


def test_english_without_its_translation_line(tree):
    replace_in(tree / "en" / STATEMENT, TRANSLATION_LINE, "")
    assert errors(tree) == [
        f'en/{STATEMENT}:1: document "police_statement": an English draft is for reading only; add translation: (a '
        "visible line saying that the Russian or Kazakh version is the one to file)"
    ]


def test_a_translation_line_in_a_draft_that_is_filed(tree):
    path = tree / "ru" / STATEMENT
    path.write_text(path.read_text(encoding="utf-8") + 'translation: "Перевод"\n', encoding="utf-8")
    assert errors(tree) == [
        f'ru/{STATEMENT}:19: document "police_statement": translation: belongs only in the English drafts; this one '
        "is filed as it is"
    ]


def test_a_phone_number_not_in_phones_yaml(tree):
    replace_in(tree / "ru" / STATEMENT, '"What happened ru:"', '"What happened ru: call 8 701 123 45 67"')
    found = errors(tree)
    assert any(
        line.startswith(f"ru/{STATEMENT}:9: 87011234567 looks like a phone number but is not in content/phones.yaml")
        for line in found
    ), found


def test_a_phone_number_in_a_multi_line_paragraph_is_found_on_its_line(tree):
    replace_in(tree / "kk" / STATEMENT, "    Files:\n", "    Files:\n    Call **1409** for help\n")
    assert any(line.startswith(f"kk/{STATEMENT}:13: 1409 looks like a phone number") for line in errors(tree))


def test_a_block_placeholder_inside_a_sentence(tree):
    for language in ("ru", "kk", "en"):
        replace_in(tree / language / STATEMENT, f'"What happened {language}:"\n  - "{{incidents}}"',
                   f'"What happened {language}: {{incidents}}"')  # fmt: skip
    found = errors(tree)
    assert any(
        line == f"en/{STATEMENT}:9: {{incidents}} must stand on a line of its own (it becomes a list or a table)"
        for line in found
    ), found


def test_a_placeholder_where_it_cannot_be_filled_and_a_stray_brace(tree):
    replace_in(tree / "ru" / STATEMENT, 'title: "Statement ru"', 'title: "Statement {full_name}"')
    replace_in(tree / "ru" / STATEMENT, 'heading: "STATEMENT"', 'heading: "STATEMENT }"')
    found = errors(tree)
    assert f"ru/{STATEMENT}:2: {{full_name}} cannot be used in title:" in found
    assert f"ru/{STATEMENT}:7: a brace that is not part of a {{placeholder}}; remove it" in found


def test_content_check_prints_them(tree):
    replace_in(tree / "kk" / STATEMENT, '"From {full_name}"', '"From {fullname}"')
    broken = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", "--content-dir", str(tree)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert broken.returncode == 1
    assert f"{tree}/kk/{STATEMENT}:6: unknown placeholder {{fullname}}" in broken.stdout


def test_reload_swaps_the_templates(tree):
    from bot.content.store import ContentStore
    from bot.documents import DocumentKind

    store = ContentStore.load(tree, UI_KEYS, today=TODAY)
    assert store.documents("en").title(DocumentKind.POLICE_STATEMENT) == "Statement en"
    replace_in(tree / "en" / STATEMENT, 'title: "Statement en"', 'title: "Statement to the police"')
    store.reload(today=TODAY)
    assert store.documents("en").title(DocumentKind.POLICE_STATEMENT) == "Statement to the police"
