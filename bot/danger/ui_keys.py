"""UI strings the danger check uses (content/<lang>/ui_danger.yaml), with the placeholders each may contain."""

from bot.danger.model import SIGNS

_NONE: frozenset[str] = frozenset()

DANGER_UI_KEYS: dict[str, frozenset[str]] = {
    # One question per sign, and the sign's short name (in a journal entry saved from the result)
    **{f"danger_check_question_{sign.value}": _NONE for sign in SIGNS},
    **{f"danger_check_sign_{sign.value}": _NONE for sign in SIGNS},
    "danger_check_counter": frozenset({"number", "count"}),
    "danger_check_yes": _NONE,
    "danger_check_no": _NONE,
    "danger_check_skip": _NONE,
    "danger_check_previous": _NONE,
    # The result
    "danger_check_button_save": _NONE,
    "danger_check_button_plan": _NONE,
    "danger_check_button_own_plan": _NONE,  # her own plan in the journal, the steps the result calls for first
    "danger_check_button_handoff": _NONE,
    "danger_check_button_journal": _NONE,
    "danger_check_saved": frozenset({"number"}),
    "danger_check_gone": _NONE,
    # The journal entry saved from the result
    "danger_check_entry": frozenset({"signs"}),
    "danger_check_entry_none": _NONE,
}
