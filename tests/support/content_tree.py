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
    - id: egov
      note: "102"
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
    - egov
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

SOURCES = """\
egov:
  title: "Emergency numbers"
  titles: {kk: "Шұғыл нөмірлер"}
  short: {ru: "eGov RU", kk: "eGov KK", en: "eGov EN"}
  publisher: "eGov.kz"
  date: 2026-01
  url: "https://egov.kz"
  confidence: high
"""

HANDOFF_SCREENS = """\
handoff:
  text: Talk {lang}
  buttons:
    - {text: "Yes", action: "handoff:start"}

handoff_unavailable:
  kind: service
  text: Call 102
  sources:
    - egov
  checked: 2026-01-10
"""


# One draft's template (content/<lang>/documents/<kind>.yaml), written for every kind; the English copies end
# with their translation line (after `checked:`, so that line numbers are the same in every language).
DOCUMENT = """\
kind: legal
title: "Statement {lang}"
addressee: "To the head of ____"
header:
  - "{addressee}"
  - "From {full_name}"
heading: "STATEMENT"
text:
  - "What happened {lang}:"
  - "{incidents}"
  - |
    Files:
    {attachments}
footer:
  - "{today} / {full_name}"
sources:
  - egov
checked: 2026-01-10
"""
TRANSLATION_LINE = 'translation: "A translation for reading; file the Russian or Kazakh one"\n'


def _danger_screens() -> str:
    """The screens the code opens by name for the safety plan and the danger check, as short info screens (the
    result's parts are ways in of their own; the safety plan and the check's first screen are reached from
    the result, so that nothing in main.yaml moves)."""
    from bot.content.registry import DANGER_NONE_SCREEN, DANGER_RESULT_PARTS

    blocks = [
        'safety_plan:\n  text: Plan {lang}\n  buttons:\n    - {text: "Check", to: danger_check}\n',
        'danger_check:\n  text: Check {lang}\n  buttons:\n    - {text: "Start", action: "danger_check:start"}\n',
    ]
    for screen_id in (*DANGER_RESULT_PARTS, DANGER_NONE_SCREEN):
        block = f"{screen_id}:\n  text: {screen_id} {{lang}}\n"
        if screen_id == DANGER_NONE_SCREEN:
            block += '  buttons:\n    - {text: "Plan", to: safety_plan}\n'
        blocks.append(block)
    return "\n".join(blocks)


def _other_ui_strings() -> str:
    """Every UI string the code needs that UI above does not spell out, generated from the registry, so
    the fixture stays complete as features add strings (in a file of its own: line numbers above stay)."""
    from bot.content.yaml_source import load_yaml
    from bot.features import UI_KEYS

    explicit = load_yaml(UI, "ui").data
    lines = []
    for key, placeholders in sorted(UI_KEYS.items()):
        if key in explicit:
            continue
        if placeholders == frozenset({"count"}):
            lines.append(f"{key}:")
            lines += [f'  {form}: "{{count}} x"' for form in ("one", "few", "many", "other")]
        else:
            lines.append(f'{key}: "{key} ' + " ".join("{" + name + "}" for name in sorted(placeholders)) + '"')
    return "\n".join(lines) + "\n"


def write_tree(root: Path) -> Path:
    """Write the tree; `{lang}` in the templates becomes the language code, so texts differ by language."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "phones.yaml").write_text(PHONES, encoding="utf-8")
    (root / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    for language in ("ru", "kk", "en"):
        folder = root / language
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "main.yaml").write_text(SCREENS.replace("{lang}", language), encoding="utf-8")
        (folder / "ui.yaml").write_text(UI.replace("{lang}", language), encoding="utf-8")
        (folder / "ui_other.yaml").write_text(_other_ui_strings(), encoding="utf-8")
        (folder / "handoff.yaml").write_text(HANDOFF_SCREENS.replace("{lang}", language), encoding="utf-8")
        (folder / "danger.yaml").write_text(_danger_screens().replace("{lang}", language), encoding="utf-8")
        documents = folder / "documents"
        documents.mkdir(exist_ok=True)
        for kind in ("police_statement", "prosecutor_complaint", "protective_order"):
            text = DOCUMENT.replace("{lang}", language) + (TRANSLATION_LINE if language == "en" else "")
            (documents / f"{kind}.yaml").write_text(text, encoding="utf-8")
    return root


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
