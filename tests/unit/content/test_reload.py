"""Reloading content in a running bot: new texts at once, invalid content refused and the old kept."""

from __future__ import annotations

import pytest

from bot.content.problems import ContentError
from bot.content.store import ContentStore
from bot.features import UI_KEYS
from tests.support.content_tree import replace_in, write_tree


def test_reload_swaps_in_new_texts_for_every_holder(tmp_path):
    root = write_tree(tmp_path / "content")
    store = ContentStore.load(root, UI_KEYS)
    held_by_a_service = store
    replace_in(root / "en" / "main.yaml", "Menu en", "Main menu, new words")
    store.reload()
    assert "Main menu, new words" in held_by_a_service.render("en", "menu").html


def test_invalid_content_is_refused_and_the_old_is_kept(tmp_path):
    root = write_tree(tmp_path / "content")
    store = ContentStore.load(root, UI_KEYS)
    before = store.tree.fingerprint
    replace_in(root / "kk" / "main.yaml", '{text: "Help", to: emergency}', '{text: "Help", to: nowhere}')
    with pytest.raises(ContentError) as refused:
        store.reload()
    assert any("kk/main.yaml:19:" in str(problem) for problem in refused.value.problems)
    assert store.tree.fingerprint == before
    assert "Menu kk" in store.render("kk", "menu").html
