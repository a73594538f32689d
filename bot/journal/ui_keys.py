"""UI strings the journal uses (content/<lang>/ui_journal.yaml), with the placeholders each may contain."""

from bot.journal.model import InputError, Step

_NONE: frozenset[str] = frozenset()

JOURNAL_UI_KEYS: dict[str, frozenset[str]] = {
    # Field labels (export, review screen)
    "journal_field_date": _NONE,
    "journal_field_time": _NONE,
    "journal_field_place": _NONE,
    "journal_field_what_happened": _NONE,
    "journal_field_injuries": _NONE,
    "journal_field_witnesses": _NONE,
    "journal_field_children": _NONE,
    "journal_field_police": _NONE,
    "journal_field_medical": _NONE,
    "journal_field_attachments": _NONE,
    "journal_children_yes": _NONE,
    "journal_children_no": _NONE,
    "journal_children_unknown": _NONE,
    "journal_value_missing": _NONE,
    "journal_attachment_kind_photo": _NONE,
    "journal_attachment_kind_video": _NONE,
    "journal_attachment_kind_voice": _NONE,
    "journal_attachment_kind_audio": _NONE,
    "journal_attachment_kind_document": _NONE,
    "journal_attachment_unnamed": _NONE,
    "journal_size_kb": frozenset({"size"}),
    # Records and the chain
    "journal_record_number": frozenset({"number"}),
    "journal_record_written": frozenset({"datetime"}),
    "journal_record_correction_of": frozenset({"number"}),
    "journal_record_corrected_by": frozenset({"number"}),
    "journal_record_gap": frozenset({"number"}),
    "journal_record_removed": frozenset({"number", "hash"}),
    "journal_record_unreadable": frozenset({"number"}),
    "journal_kind_entry": _NONE,
    "journal_kind_correction": _NONE,
    "journal_kind_gap": _NONE,
    "journal_kind_unreadable": _NONE,
    "journal_kind_removed": _NONE,
    # The export
    "journal_export_title": _NONE,
    "journal_export_intro": frozenset({"date"}),
    "journal_export_timezone": _NONE,
    "journal_export_count": frozenset({"count"}),
    "journal_export_chain_explained": _NONE,
    "journal_export_chain_ok": _NONE,
    "journal_export_chain_broken": frozenset({"number"}),
    "journal_export_entries": _NONE,
    "journal_export_no_entries": _NONE,
    "journal_export_deletions": _NONE,
    "journal_export_chain": _NONE,
    "journal_export_col_number": _NONE,
    "journal_export_col_kind": _NONE,
    "journal_export_col_created": _NONE,
    "journal_export_attachments_note": _NONE,
    "journal_export_photo_unreadable": _NONE,
    "journal_export_page": frozenset({"page", "pages"}),
    # The guided entry (for the Telegram layer): one prompt per step
    "journal_prompt_date": frozenset({"example"}),
    "journal_prompt_time": _NONE,
    "journal_prompt_place": _NONE,
    "journal_prompt_what_happened": _NONE,
    "journal_prompt_injuries": _NONE,
    "journal_prompt_witnesses": _NONE,
    "journal_prompt_children": _NONE,
    "journal_prompt_police": _NONE,
    "journal_prompt_medical": _NONE,
    "journal_prompt_attachments": frozenset({"limit"}),
    "journal_prompt_review": _NONE,
    "journal_button_today": _NONE,
    "journal_button_yesterday": _NONE,
    "journal_button_skip": _NONE,
    "journal_button_save": _NONE,
    "journal_button_cancel": _NONE,
    "journal_saved": frozenset({"number"}),
    "journal_deleted_one": frozenset({"number"}),
    "journal_deleted_all": _NONE,
    # Refused answers (bot.journal.model.InputError)
    "journal_error_date_required": frozenset({"example"}),
    "journal_error_date_unreadable": frozenset({"example"}),
    "journal_error_date_impossible": frozenset({"example"}),
    "journal_error_date_in_future": frozenset({"example"}),
    "journal_error_date_too_old": frozenset({"example"}),
    "journal_error_time_unreadable": _NONE,
    "journal_error_text_too_long": frozenset({"limit"}),
    "journal_error_not_a_choice": _NONE,
    "journal_error_expects_file": _NONE,
    "journal_error_file_too_large": frozenset({"limit"}),
    "journal_error_too_many_files": frozenset({"limit"}),
    "journal_error_not_now": _NONE,
    "journal_error_pin_too_short": frozenset({"limit"}),
    "journal_error_pin_too_long": frozenset({"limit"}),
    # The PIN
    "journal_pin_offer": _NONE,
    "journal_pin_warning": _NONE,
    "journal_pin_prompt": _NONE,
    "journal_pin_wrong": frozenset({"count"}),
    "journal_pin_locked": frozenset({"datetime"}),
    "journal_pin_set": _NONE,
    "journal_pin_removed": _NONE,
    "journal_locked_idle": _NONE,
}

# Each refused answer's UI string. Date errors take {example} (parsing.date_example); size and count errors
# take {limit} (MB for files, characters for texts and PINs, files per entry).
INPUT_ERROR_KEYS: dict[InputError, str] = {code: f"journal_error_{code.value}" for code in InputError}

# The prompt shown for each step of the guided entry.
STEP_PROMPT_KEYS: dict[Step, str] = {step: f"journal_prompt_{step.value}" for step in Step}

assert set(INPUT_ERROR_KEYS.values()) <= set(JOURNAL_UI_KEYS)
assert set(STEP_PROMPT_KEYS.values()) <= set(JOURNAL_UI_KEYS)
