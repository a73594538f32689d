"""Sources on a screen: a compact line under the text, the full list one tap away, hidden where asked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.content import callbacks
from bot.content.loader import load_content
from bot.content.model import ContentTree
from bot.content.render import localizer, render_screen, render_sources
from tests.support.content_tree import replace_in, write_tree


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "content")


def load(root: Path) -> ContentTree:
    tree, problems = load_content(root)
    assert problems == []
    return tree


def texts(rows: list) -> list[str]:
    return [button.text for row in rows for button in row]


def test_the_source_line_is_compact_in_her_language(root):
    view = render_screen(load(root), "kk", "welcome")
    # The short label in Kazakh, the note after it, the date: one line in italics, under the text.
    checked = localizer(load(root), "kk").date(dt.date(2026, 1, 10))
    assert view.html.endswith(f"\n\n<i>Sources: eGov KK (102) · Checked {checked}</i>")
    assert "Emergency numbers" not in view.html and "https://" not in view.html  # the full list is a tap away
    assert "Sources: eGov EN (102)" in render_screen(load(root), "en", "welcome").html


def test_the_sources_button_opens_the_full_list_with_a_way_back(root):
    tree = load(root)
    view = render_screen(tree, "en", "welcome")
    data = next(b.callback_data for row in view.buttons for b in row if b.text == "button_sources ")
    assert data == "1:src:welcome" and callbacks.parse(data) == callbacks.Callback("sources", "welcome")
    assert texts(view.buttons)[-4:] == ["button_sources ", "Menu en", "SOS", "Exit"]  # before the way out

    full = render_sources(tree, "kk", "welcome")
    # Title in her language where one is given, the note, the publisher, the date and the link.
    assert '<a href="https://egov.kz">Шұғыл нөмірлер (102)</a>' in full.html
    assert "<i>eGov.kz, 2026\u202fж. қаңтар</i>" in full.html  # Babel: a narrow no-break space
    assert "Emergency numbers" in render_sources(tree, "en", "welcome").html  # no English title: the original
    back = full.buttons[0][0]
    assert (back.text, back.callback_data) == ("Back", "1:s:welcome")
    assert texts(full.buttons)[-2:] == ["SOS", "Exit"]


def test_show_sources_false_hides_the_line_and_the_button(root):
    for language in ("ru", "kk", "en"):
        replace_in(root / language / "main.yaml", "  sources:\n    - id", "  show_sources: false\n  sources:\n    - id")
    tree = load(root)
    view = render_screen(tree, "en", "welcome")
    assert "Sources" not in view.html and "Checked" not in view.html
    assert "button_sources " not in texts(view.buttons)
    assert tree.packs["en"].screens["welcome"].sources[0].id == "egov"  # still in the file, for the checker


def test_the_payload_of_the_longest_screen_id_fits_in_telegram(root):
    assert len(callbacks.for_sources("a" * 48).encode()) <= callbacks.MAX_BYTES
    assert callbacks.parse("1:src:") is None
