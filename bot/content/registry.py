"""What the code expects of the content: screens it opens by name, actions buttons may trigger, UI strings.

The checker compares the content tree against these lists, so an editor learns before release that a screen
the code needs is gone, or that a button asks for an action the bot doesn't have.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("ru", "kk", "en")
SOURCE_LANGUAGE = "ru"  # editors write here first; other languages are translations of it

# Screens the bot opens by itself (commands, start); everything else must be reachable from one of them.
START_SCREEN = "welcome"
EMERGENCY_SCREEN = "emergency"
MENU_SCREEN = "menu"
LANGUAGE_SCREEN = "language"
SETTINGS_SCREEN = "settings"
FORGET_SCREEN = "forget_confirm"
HANDOFF_SCREEN = "handoff"  # the consent screen before a case opens
HANDOFF_UNAVAILABLE_SCREEN = "handoff_unavailable"  # hotlines, when the advocates' group is not usable
REQUIRED_SCREENS = (
    START_SCREEN, EMERGENCY_SCREEN, MENU_SCREEN, LANGUAGE_SCREEN, SETTINGS_SCREEN, FORGET_SCREEN, HANDOFF_SCREEN,
    HANDOFF_UNAVAILABLE_SCREEN,
)  # fmt: skip

# Actions a button may trigger, instead of opening a screen.
LANGUAGE_ACTIONS = {f"language:{code}": code for code in LANGUAGES}
EXIT_ACTION = "exit"  # delete the conversation now
FORGET_ACTION = "forget"  # delete everything stored about her, and the conversation
HANDOFF_ACTION = "handoff:start"  # she agreed to what the advocate will see: ask the triage questions
JOURNAL_ACTION = "journal:open"  # open her incident journal (asks for the PIN if she set one)
JOURNAL_EXPORT_ACTION = "journal:export"  # export her journal as a PDF (offered before "Delete everything")
# Automatic wipe after the last activity: the choices offered, in minutes ("off" keeps messages).
WIPE_CHOICES = {"wipe_after:15": 15, "wipe_after:60": 60, "wipe_after:360": 360, "wipe_after:1440": 1440,
                "wipe_after:2400": 2400, "wipe_after:off": 0}  # fmt: skip
DISCREET_ACTIONS = {"discreet:on": True, "discreet:off": False}
KNOWN_ACTIONS = frozenset(
    {
        *LANGUAGE_ACTIONS,
        EXIT_ACTION,
        FORGET_ACTION,
        HANDOFF_ACTION,
        JOURNAL_ACTION,
        JOURNAL_EXPORT_ACTION,
        *WIPE_CHOICES,
        *DISCREET_ACTIONS,
    }
)

# Advocates' canned replies: UI strings whose names start with this, as many as editors like.
CANNED_PREFIX = "canned_"

# What the code expects of the UI strings: each key the code uses, with the placeholders it may contain.
UiKeys = Mapping[str, frozenset[str]]

# The UI strings of the guidance itself. The features (journal, handoff) keep their own lists beside their
# code; bot/features.py assembles them all, so this package never imports the features.
CORE_UI_KEYS: dict[str, frozenset[str]] = {
    "button_back": frozenset(),
    "button_menu": frozenset(),
    "button_sos": frozenset(),
    "button_exit": frozenset(),
    "clear_ticks": frozenset(),
    "neutral_line": frozenset(),
    "forgotten": frozenset(),
    "wipe_status": frozenset({"duration"}),
    "wipe_status_off": frozenset(),
    "wipe_off_warning": frozenset(),
    "discreet_status_on": frozenset(),
    "discreet_status_off": frozenset(),
    "duration_minutes": frozenset({"count"}),
    "duration_hours": frozenset({"count"}),
    "command_exit": frozenset(),
    "command_forget": frozenset(),
    "forget_export_first": frozenset(),
    "sources": frozenset(),
    "button_sources": frozenset(),  # opens the full list of a screen's sources
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
