"""A small valid content tree written to a temporary folder, for breaking one rule at a time."""

from __future__ import annotations

from pathlib import Path

SCREENS = """\
welcome:
  kind: service
  text: |
    Hello {lang}. Call **102**.
  buttons:
    - [{text: "KK", action: "language:kk"}, {text: "RU", action: "language:ru"}]
    - {text: "Next {lang}", to: menu}
  sources:
    - title: "eGov.kz"
      url: "https://egov.kz"
  checked: 2026-01-10

menu:
  kind: menu
  menu_button: false
  text: |
    Menu {lang}
  buttons:
    - {text: "Help", to: emergency}
    - {text: "Language", to: language}

emergency:
  kind: service
  text: |
    - **102** police {lang}
  sources:
    - title: "eGov.kz"
  checked: 2026-01-10

language:
  kind: menu
  text: Choose {lang}
  buttons:
    - [{text: "KK", action: "language:kk"}, {text: "RU", action: "language:ru"}, {text: "EN", action: "language:en"}]
"""

UI = """\
button_menu: "Menu {lang}"
sources: "Sources"
checked_on: "Checked {date}"
stale_button: "Old button"
language_set: "Language set"
use_buttons: "Use buttons"
something_went_wrong: "Sorry"
command_start: "Start"
command_sos: "SOS"
command_menu: "Menu"
command_language: "Language"
"""


def write_tree(root: Path) -> Path:
    """Write the tree; `{lang}` in the templates becomes the language code, so texts differ by language."""
    for language in ("ru", "kk", "en"):
        folder = root / language
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "main.yaml").write_text(SCREENS.replace("{lang}", language), encoding="utf-8")
        (folder / "ui.yaml").write_text(UI.replace("{lang}", language), encoding="utf-8")
    return root


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
