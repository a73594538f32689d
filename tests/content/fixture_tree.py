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

settings:
  kind: menu
  text: Settings {lang}
  buttons:
    - [{text: "15", action: "wipe_after:15"}, {text: "Off", action: "wipe_after:off"}]
    - {text: "Forget", to: forget_confirm}

forget_confirm:
  kind: menu
  text: Sure {lang}?
  buttons:
    - {text: "Yes", action: "forget"}
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
command_exit: "Exit"
command_forget: "Forget"
button_back: "Back"
button_sos: "SOS"
button_exit: "Exit"
clear_ticks: "Clear"
neutral_line: "Hi"
forgotten: "Gone"
wipe_status: "Wiped after {duration}"
wipe_status_off: "Never wiped"
wipe_off_warning: "Careful"
discreet_status_on: "Discreet"
discreet_status_off: "Loud"
duration_minutes:
  one: "{count} minute"
  few: "{count} minutes"
  many: "{count} minutes"
  other: "{count} minutes"
duration_hours:
  one: "{count} hour"
  few: "{count} hours"
  many: "{count} hours"
  other: "{count} hours"
"""

PHONES = """\
"102":
  purpose: "Police"
  confidence: high
  source: "egov.kz"
"""


def write_tree(root: Path) -> Path:
    """Write the tree; `{lang}` in the templates becomes the language code, so texts differ by language."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "phones.yaml").write_text(PHONES, encoding="utf-8")
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
