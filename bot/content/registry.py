"""What the code expects of the content: screens it opens by name, actions buttons may trigger, UI strings.

The checker compares the content tree against these lists, so an editor learns before release that a screen
the code needs is gone, or that a button asks for an action the bot doesn't have.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("ru", "kk", "en")
SOURCE_LANGUAGE = "ru"  # editors write here first; other languages are translations of it

# Screens the bot opens by name (commands, start).
START_SCREEN = "welcome"
EMERGENCY_SCREEN = "emergency"
MENU_SCREEN = "menu"
LANGUAGE_SCREEN = "language"
SETTINGS_SCREEN = "settings"
FORGET_SCREEN = "forget_confirm"
HANDOFF_SCREEN = "handoff"  # the consent screen before a case opens
HANDOFF_UNAVAILABLE_SCREEN = "handoff_unavailable"  # hotlines, when the advocates' group is not usable
SAFETY_PLAN_SCREEN = "safety_plan"  # the danger check's result offers it

# The danger check (bot/danger): its first screen (what it is, and Start), and the screens its result is
# made of. The questions and the signs' short names are UI strings (ui_danger.yaml); what to do for each sign
# is a screen of its own, so that it carries its sources like every other legal or service text.
DANGER_CHECK_SCREEN = "danger_check"
DANGER_SIGNS = ("choking", "weapon", "gun", "separation", "stalking", "forced_sex", "pregnancy", "stepchild")
DANGER_SIGN_SCREENS = tuple(f"danger_check_{sign}" for sign in DANGER_SIGNS)  # one sign: what to do now
DANGER_RESULT_SCREEN = "danger_check_result"  # above the signs she marked: the emergency numbers first
DANGER_MORE_SCREEN = "danger_check_more"  # below them: the safety plan, a person to talk to, the journal
DANGER_NONE_SCREEN = "danger_check_none"  # no sign marked: still "any violence is dangerous", and the numbers
DANGER_RESULT_PARTS = (DANGER_RESULT_SCREEN, *DANGER_SIGN_SCREENS, DANGER_MORE_SCREEN)  # every sign marked
# Messages the code composes of several screens, in their longest form: each must fit one Telegram message.
COMPOSED_MESSAGES = (DANGER_RESULT_PARTS,)

# Screens the bot opens by itself: the ways in. Every other screen must be reachable from one of them.
ROOT_SCREENS = (
    START_SCREEN, EMERGENCY_SCREEN, MENU_SCREEN, LANGUAGE_SCREEN, SETTINGS_SCREEN, FORGET_SCREEN, HANDOFF_SCREEN,
    HANDOFF_UNAVAILABLE_SCREEN, *DANGER_RESULT_PARTS, DANGER_NONE_SCREEN,
)  # fmt: skip
# Screens the code names: they must exist in every language (those not in ROOT_SCREENS are reached by buttons).
REQUIRED_SCREENS = (*ROOT_SCREENS, SAFETY_PLAN_SCREEN, DANGER_CHECK_SCREEN)

# Actions a button may trigger, instead of opening a screen.
LANGUAGE_ACTIONS = {f"language:{code}": code for code in LANGUAGES}
EXIT_ACTION = "exit"  # delete the conversation now
FORGET_ACTION = "forget"  # delete everything stored about her, and the conversation
HANDOFF_ACTION = "handoff:start"  # she agreed to what the advocate will see: ask the triage questions
JOURNAL_ACTION = "journal:open"  # open her incident journal (asks for the PIN if she set one)
JOURNAL_EXPORT_ACTION = "journal:export"  # export her journal as a PDF (offered before "Delete everything")
JOURNAL_PLAN_ACTION = "journal:plan"  # her own safety plan, kept in the journal (asks for the PIN if she set one)
DANGER_CHECK_ACTION = "danger_check:start"  # the danger check's first question
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
        JOURNAL_PLAN_ACTION,
        DANGER_CHECK_ACTION,
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
