"""What the code expects of the content: screens it opens by name, actions buttons may trigger, UI strings.

The checker compares the content tree against these lists, so an editor learns before release that a screen
the code needs is gone, or that a button asks for an action the bot doesn't have.
"""

from __future__ import annotations

LANGUAGES = ("ru", "kk", "en")
SOURCE_LANGUAGE = "ru"  # editors write here first; other languages are translations of it

# Screens the bot opens by itself (commands, start); everything else must be reachable from one of them.
START_SCREEN = "welcome"
EMERGENCY_SCREEN = "emergency"
MENU_SCREEN = "menu"
LANGUAGE_SCREEN = "language"
REQUIRED_SCREENS = (START_SCREEN, EMERGENCY_SCREEN, MENU_SCREEN, LANGUAGE_SCREEN)

# Actions a button may trigger, instead of opening a screen.
LANGUAGE_ACTIONS = {f"language:{code}": code for code in LANGUAGES}
KNOWN_ACTIONS = frozenset(LANGUAGE_ACTIONS)

# UI strings the code uses, with the placeholders each may contain.
UI_KEYS: dict[str, frozenset[str]] = {
    "button_menu": frozenset(),
    "sources": frozenset(),
    "checked_on": frozenset({"date"}),
    "stale_button": frozenset(),
    "language_set": frozenset(),
    "use_buttons": frozenset(),
    "something_went_wrong": frozenset(),
    "command_start": frozenset(),
    "command_sos": frozenset(),
    "command_menu": frozenset(),
    "command_language": frozenset(),
}
