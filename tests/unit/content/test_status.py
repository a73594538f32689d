"""Translation status: missing and outdated translations found, word counts, --strict, stamping."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.content.loader import load_content
from bot.content.status import LanguageStatus, stamp, translation_status
from tests.support.content_tree import replace_in, write_tree


def status_of(root: Path) -> dict[str, LanguageStatus]:
    tree, problems = load_content(root)
    assert problems == []
    return {status.language: status for status in translation_status(tree)}


def test_stamped_translations_are_current_until_the_russian_text_changes(tmp_path):
    root = write_tree(tmp_path / "content")
    assert status_of(root)["kk"].outdated  # nothing stamped yet
    tree, _ = load_content(root)
    stamp(tree, "kk")
    stamp(tree, "en")
    kk = status_of(root)["kk"]
    assert kk.complete and kk.words_to_translate == 0 and "menu" in kk.current

    replace_in(root / "ru" / "main.yaml", "Menu ru", "Menu ru, now with four more words")
    after = status_of(root)
    assert after["kk"].outdated == ["menu"] and after["en"].outdated == ["menu"]
    assert after["kk"].words_to_translate == 7  # Menu, ru, now, with, four, more, words


def test_stamping_keeps_comments_and_replaces_an_old_stamp(tmp_path):
    root = write_tree(tmp_path / "content")
    path = root / "kk" / "main.yaml"
    path.write_text("# Kazakh screens, edited by Aigul\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    tree, _ = load_content(root)
    stamp(tree, "kk", ["menu"])
    tree, _ = load_content(root)
    stamp(tree, "kk", ["menu"])  # a second stamp replaces the line, never adds another
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Kazakh screens, edited by Aigul\n")
    assert text.count("translated_from:") == 1
    assert status_of(root)["kk"].outdated.count("menu") == 0


def test_a_new_russian_screen_shows_as_missing_and_strict_fails(tmp_path):
    root = write_tree(tmp_path / "content")
    path = root / "ru" / "main.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nfresh:\n  text: Пять новых слов здесь есть\n", encoding="utf-8"
    )
    assert "fresh" in status_of(root)["kk"].missing
    command = [sys.executable, "-m", "bot", "content", "status", "--content-dir", str(root)]
    relaxed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert relaxed.returncode == 0 and "  missing   fresh" in relaxed.stdout
    strict = subprocess.run([*command, "--strict"], capture_output=True, text=True, timeout=60)
    assert strict.returncode == 1
