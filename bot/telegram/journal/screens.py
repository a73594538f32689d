"""The journal's screens as `ScreenView`s, built from plain data: her Localizer, a Draft, entries, a status.
No Telegram calls and no awaits: the handlers fetch what a screen shows, then show what these return.

Nothing she wrote goes into a button: buttons carry the journal's callback data only (callbacks.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.content import callbacks as content_callbacks
from bot.content.documents import DocumentKind
from bot.content.i18n import Localizer
from bot.content.registry import DANGER_CHECK_SCREEN
from bot.content.render import ButtonView, ScreenView
from bot.journal import parsing
from bot.journal.keys import PIN_MAX_CHARS, PIN_MIN_CHARS
from bot.journal.model import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_TEXT_CHARS,
    STEPS,
    TEXT_STEPS,
    Attachment,
    AttachmentKind,
    ChildrenPresent,
    Draft,
    Entry,
    InputError,
    JournalStatus,
    RecordKind,
    Step,
)
from bot.journal.plan import PLAN_STEPS, PlanStep, SafetyPlan
from bot.journal.ui_keys import INPUT_ERROR_KEYS, STEP_PROMPT_KEYS
from bot.telegram.journal import callbacks as cb
from bot.telegram.journal.flow import DETAILS, Awaiting, Detail, PinPurpose
from bot.telegram.views import escape, navigation_row, shorten

PAGE_SIZE = 8
TEXT_BUDGET = 3300  # characters of her answers on one screen (Telegram allows 4096 with the labels)
MB = 1024 * 1024
QUESTIONS = STEPS[: STEPS.index(Step.ATTACHMENTS) + 1]  # the steps she answers, before the review

FIELD_KEYS: dict[Step, str] = {
    Step.DATE: "journal_field_date",
    Step.TIME: "journal_field_time",
    Step.PLACE: "journal_field_place",
    Step.WHAT_HAPPENED: "journal_field_what_happened",
    Step.INJURIES: "journal_field_injuries",
    Step.WITNESSES: "journal_field_witnesses",
    Step.CHILDREN: "journal_field_children",
    Step.POLICE: "journal_field_police",
    Step.MEDICAL: "journal_field_medical",
    Step.ATTACHMENTS: "journal_field_attachments",
}
CHILDREN_KEYS = {choice: f"journal_children_{choice.value}" for choice in ChildrenPresent}
KIND_KEYS = {kind: f"journal_attachment_kind_{kind.value}" for kind in AttachmentKind}
ERROR_LIMITS = {
    InputError.TEXT_TOO_LONG: MAX_TEXT_CHARS,
    InputError.FILE_TOO_LARGE: MAX_ATTACHMENT_BYTES // MB,
    InputError.TOO_MANY_FILES: MAX_ATTACHMENTS,
    InputError.PIN_TOO_SHORT: PIN_MIN_CHARS,
    InputError.PIN_TOO_LONG: PIN_MAX_CHARS,
}
DATE_ERRORS = frozenset(
    {
        InputError.DATE_REQUIRED,
        InputError.DATE_UNREADABLE,
        InputError.DATE_IMPOSSIBLE,
        InputError.DATE_IN_FUTURE,
        InputError.DATE_TOO_OLD,
    }
)


# ---------------------------------------------------------------------------------- opening, the PIN


def create(ui: Localizer) -> ScreenView:
    """No journal yet: with a PIN (and its warning) or without."""
    text = f"<b>{escape(ui.text('journal_menu_title'))}</b>\n\n" + escape(
        ui.text("journal_pin_offer") + "\n\n" + ui.text("journal_pin_warning")
    )
    rows = [
        [button(ui, "journal_button_pin_set", cb.Create(with_pin=True))],
        [button(ui, "journal_button_no_pin", cb.Create(with_pin=False))],
        navigation_row(ui),
    ]
    return view("journal_create", ui, text, rows)


def locked_out(ui: Localizer, until: dt.datetime) -> ScreenView:
    text = ui.text("journal_pin_locked", datetime=until)
    rows = [[button(ui, "journal_button_forgot_pin", cb.Forgot())], navigation_row(ui)]
    return view("journal_locked", ui, escape(text), rows)


def locked(ui: Localizer) -> ScreenView:
    """After "Lock now"."""
    rows = [[button(ui, "journal_button_open", cb.Menu())], navigation_row(ui)]
    return view("journal_locked", ui, escape(ui.text("journal_locked")), rows)


def interrupted(ui: Localizer) -> ScreenView:
    """After a restart: what she typed was deleted, and why."""
    rows = [[button(ui, "journal_button_open", cb.Menu())], navigation_row(ui)]
    return view("journal_interrupted", ui, escape(ui.text("journal_interrupted")), rows)


def unlock_prompt(ui: Localizer, *, idle: bool) -> ScreenView:
    """Asks for the PIN; idle: the journal closed by itself in the middle of an entry."""
    text = ui.text("journal_locked_idle" if idle else "journal_pin_prompt")
    rows = [[button(ui, "journal_button_forgot_pin", cb.Forgot())], navigation_row(ui, menu=False)]
    return view("journal_pin", ui, escape(text), rows)


def new_pin_prompt(ui: Localizer, purpose: PinPurpose) -> ScreenView:
    parts = []
    if purpose != PinPurpose.CHANGE:
        parts.append(ui.text("journal_pin_warning"))
    parts.append(ui.text("journal_pin_new_prompt", limit=PIN_MIN_CHARS))
    if purpose == PinPurpose.CREATE:
        rows = [[button(ui, "journal_button_no_pin", cb.Create(with_pin=False))]]
    else:
        rows = [[button(ui, "journal_button_cancel", cb.Menu())]]
    rows.append(navigation_row(ui, menu=False))
    return view("journal_pin", ui, escape("\n\n".join(parts)), rows)


def current_pin_prompt(ui: Localizer) -> ScreenView:
    rows = [[button(ui, "journal_button_cancel", cb.Menu())], navigation_row(ui, menu=False)]
    return view("journal_pin", ui, escape(ui.text("journal_pin_current_prompt")), rows)


def pin_reply(ui: Localizer, text: str, awaiting: Awaiting | None) -> ScreenView:
    """An answer to a typed PIN (wrong, too short, type it again…), with the way out that step offers."""
    rows = [[button(ui, "journal_button_forgot_pin", cb.Forgot())]] if awaiting == Awaiting.UNLOCK else []
    if awaiting in (Awaiting.NEW_PIN, Awaiting.REPEAT_PIN):
        rows.append([button(ui, "journal_button_cancel", cb.Menu())])
    rows.append(navigation_row(ui, menu=False))
    return view("journal_pin", ui, escape(text), rows)


def forgot(ui: Localizer) -> ScreenView:
    """A forgotten PIN cannot be recovered: the only way on is deleting the journal."""
    rows = [
        [button(ui, "journal_button_export_pdf", cb.ExportPdf())],  # evidence first: nothing goes by surprise
        [button(ui, "journal_button_confirm_delete_all", cb.DeleteAll())],
        [button(ui, "journal_button_keep", cb.Menu())],
        navigation_row(ui),
    ]
    return view("journal_forgot", ui, escape(ui.text("journal_forgot_pin")), rows)


# ---------------------------------------------------------------------------------- the menu, the records


def menu(
    ui: Localizer, count: int, status: JournalStatus, intro: str | None = None, *, has_plan: bool = False
) -> ScreenView:
    """The open journal: how many entries, and what she can do with them."""
    lines = [f"<b>{escape(ui.text('journal_menu_title'))}</b>", escape(ui.plural("journal_menu_count", count))]
    rows: list[list[ButtonView]] = []
    if status.has_draft:
        lines.append(escape(ui.text("journal_menu_draft")))
        rows.append([button(ui, "journal_button_continue", cb.Continue())])
    rows.append([button(ui, "journal_button_new", cb.NewEntry())])
    if count:
        rows.append([button(ui, "journal_button_view", cb.ListEntries())])
    if count or has_plan:
        rows.append([button(ui, "journal_button_export_pdf", cb.ExportPdf()),
                     button(ui, "journal_button_export_text", cb.ExportText())])  # fmt: skip
    if count:
        rows.append([button(ui, "journal_button_statement", cb.StatementStart())])
        rows.append([button(ui, "journal_button_delete_one", cb.ListEntries(delete=True))])
    rows.append([button(ui, "journal_button_plan", cb.Plan())])
    rows.append([button(ui, "journal_button_delete_all", cb.AskDeleteAll())])
    if status.has_pin:
        rows.append([button(ui, "journal_button_pin_change", cb.Pin(cb.PinAction.CHANGE)),
                     button(ui, "journal_button_pin_remove", cb.Pin(cb.PinAction.REMOVE))])  # fmt: skip
        rows.append([button(ui, "journal_button_lock", cb.Lock())])
    else:
        rows.append([button(ui, "journal_button_pin_set", cb.Pin(cb.PinAction.SET))])
    rows.append([ButtonView(ui.text("journal_button_danger_check"), content_callbacks.for_screen(DANGER_CHECK_SCREEN))])
    rows.append(navigation_row(ui))
    text = "\n".join(lines)
    if intro:
        text = f"<i>{escape(intro)}</i>\n\n{text}"
    return view("journal_menu", ui, text, rows)


def entry_list(ui: Localizer, entries: list[Entry], *, delete: bool, page: int) -> ScreenView:
    """One page of her entries, each a button: to open it, or (delete) to delete it."""
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(page, pages - 1)
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    target = cb.AskDelete if delete else cb.ShowEntry
    rows = [[ButtonView(entry_label(ui, entry), target(entry.entry_id).data)] for entry in shown]
    paging = []
    if page > 0:
        paging.append(button(ui, "journal_button_previous_page", cb.ListEntries(delete, page - 1)))
    if page + 1 < pages:
        paging.append(button(ui, "journal_button_next_page", cb.ListEntries(delete, page + 1)))
    if paging:
        rows.append(paging)
    rows.append([button(ui, "journal_button_journal", cb.Menu())])
    rows.append(navigation_row(ui, menu=False))
    if not entries:
        title = ui.text("journal_list_empty")
    else:
        title = ui.text("journal_list_delete_title" if delete else "journal_list_title")
    return view("journal_list", ui, escape(title), rows)


def entry(ui: Localizer, record: Entry, numbers: dict[str, int]) -> ScreenView:
    """One entry with every field; numbers: of the records it corrects or is corrected by, by id."""
    lines = [f"<b>{escape(ui.text('journal_record_number', number=record.number))}</b>"]
    if record.created_at is not None:
        lines.append(escape(ui.text("journal_record_written", datetime=record.created_at)))
    if record.corrects and record.corrects in numbers:
        lines.append(escape(ui.text("journal_record_correction_of", number=numbers[record.corrects])))
    if record.corrected_by and record.corrected_by in numbers:
        lines.append(escape(ui.text("journal_record_corrected_by", number=numbers[record.corrected_by])))
    assert record.fields is not None
    fields = record.fields
    texts = {name: value for name in TEXT_STEPS.values() if (value := getattr(fields, name))}
    body = fields_html(ui, fields.occurred_on, fields.occurred_time, texts, fields.children_present,
                       record.attachments)  # fmt: skip
    rows = [
        [button(ui, "journal_button_correct", cb.Correct(record.entry_id))],
        [button(ui, "journal_button_delete", cb.AskDelete(record.entry_id))],
        [button(ui, "journal_button_entries", cb.ListEntries()), button(ui, "journal_button_journal", cb.Menu())],
        navigation_row(ui, menu=False),
    ]
    return view("journal_entry", ui, "\n".join(lines) + "\n\n" + body, rows)


def confirm_delete(ui: Localizer, record: Entry) -> ScreenView:
    rows = [
        [button(ui, "journal_button_confirm_delete", cb.DeleteOne(record.entry_id))],
        [button(ui, "journal_button_keep", cb.ShowEntry(record.entry_id))],
        navigation_row(ui, menu=False),
    ]
    text = ui.text("journal_confirm_delete_one", number=record.number)
    return view("journal_delete", ui, escape(text), rows)


def confirm_delete_all(ui: Localizer) -> ScreenView:
    rows = [
        [button(ui, "journal_button_export_pdf", cb.ExportPdf())],  # evidence first: nothing goes by surprise
        [button(ui, "journal_button_confirm_delete_all", cb.DeleteAll())],
        [button(ui, "journal_button_keep", cb.Menu())],
        navigation_row(ui, menu=False),
    ]
    return view("journal_delete", ui, escape(ui.text("journal_confirm_delete_all")), rows)


def deleted_all(ui: Localizer) -> ScreenView:
    return view("journal_deleted", ui, escape(ui.text("journal_deleted_all")), [navigation_row(ui)])


# ---------------------------------------------------------------------------------- the guided entry


def offer_draft(ui: Localizer, start_over: cb.JournalData) -> ScreenView:
    """A draft waits: continue it, or drop it and do what she asked (start_over)."""
    rows = [
        [button(ui, "journal_button_continue", cb.Continue())],
        [button(ui, "journal_button_start_over", start_over)],
        [button(ui, "journal_button_journal", cb.Menu())],
        navigation_row(ui, menu=False),
    ]
    return view("journal_draft", ui, escape(ui.text("journal_draft_waiting")), rows)


def saved(ui: Localizer, number: int) -> ScreenView:
    rows = [[button(ui, "journal_button_journal", cb.Menu())], navigation_row(ui)]
    return view("journal_saved", ui, escape(ui.text("journal_saved", number=number)), rows)


def cancelled(ui: Localizer) -> ScreenView:
    rows = [[button(ui, "journal_button_journal", cb.Menu())], navigation_row(ui)]
    return view("journal_cancelled", ui, escape(ui.text("journal_cancelled")), rows)


def unsupported(ui: Localizer) -> ScreenView:
    """A message the entry cannot take (a sticker, a location…)."""
    text = escape(ui.text("journal_unsupported"))
    return view("journal_unsupported", ui, text, [navigation_row(ui, menu=False)])


def prompt(ui: Localizer, draft: Draft, today: dt.date, *, corrected_number: int | None = None,
           error: InputError | None = None, intro: str | None = None) -> ScreenView:  # fmt: skip
    """The prompt for the draft's step (or the review), after a refused answer's error or a short notice.
    corrected_number: the number of the record a correction's review corrects, if it is still there."""
    result = review(ui, draft, corrected_number) if draft.step is Step.REVIEW else step(ui, draft, today)
    if error is not None:
        message = f"<b>{escape(error_text(ui, error, today))}</b>"
        # A date error asks again by itself, with an example; any other comes before the prompt.
        result.html = message if error in DATE_ERRORS else f"{message}\n\n{result.html}"
    if intro:
        result.html = f"<i>{escape(intro)}</i>\n\n{result.html}"
    return result


def step(ui: Localizer, draft: Draft, today: dt.date) -> ScreenView:
    """One question of the guided entry, with its buttons (today, yes/no, skip, clear, the files to drop)."""
    at = draft.step
    lines = []
    correcting = draft.back_to_review or draft.corrects is not None
    if not correcting:
        number = QUESTIONS.index(at) + 1
        lines.append(f"<i>{escape(ui.text('journal_step_counter', number=number, count=len(QUESTIONS)))}</i>")
    if at is Step.DATE:
        question = ui.text(STEP_PROMPT_KEYS[at], example=parsing.date_example(today))
    elif at is Step.ATTACHMENTS:
        question = ui.text(STEP_PROMPT_KEYS[at], limit=MAX_ATTACHMENT_BYTES // MB)
    else:
        question = ui.text(STEP_PROMPT_KEYS[at])
    lines.append(f"<b>{escape(question)}</b>")
    current = current_value(ui, draft)
    if current is not None and correcting:
        lines.append(escape(ui.text("journal_current_value", value=shorten(current, 600))))
    rows: list[list[ButtonView]] = []
    if at is Step.DATE:
        rows.append([step_button(ui, "journal_button_today", at, "today"),
                     step_button(ui, "journal_button_yesterday", at, "yesterday")])  # fmt: skip
    if at is Step.CHILDREN:
        rows.append([step_button(ui, CHILDREN_KEYS[c], at, c.value, capital=True) for c in ChildrenPresent])
    if at is Step.ATTACHMENTS:
        for item in draft.attachments:
            rows.append([ButtonView("✖ " + shorten(attachment_text(ui, item), 40), cb.RemoveFile(item.file_id).data)])
    if at is not Step.DATE or draft.occurred_on is not None:
        done = at is Step.ATTACHMENTS and draft.attachments
        rows.append([step_button(ui, "journal_button_done" if done else "journal_button_skip", at, "skip")])
    if current is not None and at not in (Step.DATE, Step.ATTACHMENTS):
        rows.append([step_button(ui, "journal_button_clear", at, "clear")])
    rows.append([button(ui, "journal_button_cancel", cb.Review(cb.ReviewAction.CANCEL))])
    rows.append(navigation_row(ui, menu=False))
    return view(f"journal_step_{at.value}", ui, "\n\n".join(lines), rows)


def review(ui: Localizer, draft: Draft, corrected_number: int | None = None) -> ScreenView:
    """Every answer before saving: save, change one, or cancel."""
    heading = [f"<b>{escape(ui.text(STEP_PROMPT_KEYS[Step.REVIEW]))}</b>"]
    if corrected_number is not None:
        heading.append(escape(ui.text("journal_record_correction_of", number=corrected_number)))
    assert draft.occurred_on is not None
    body = fields_html(ui, draft.occurred_on, draft.occurred_time, draft.texts, draft.children_present,
                       draft.attachments)  # fmt: skip
    rows = [
        [button(ui, "journal_button_save", cb.Review(cb.ReviewAction.SAVE))],
        [button(ui, "journal_button_change_field", cb.Review(cb.ReviewAction.FIELDS))],
        [button(ui, "journal_button_cancel", cb.Review(cb.ReviewAction.CANCEL))],
        navigation_row(ui, menu=False),
    ]
    return view("journal_review", ui, "\n".join(heading) + "\n\n" + body, rows)


def fields(ui: Localizer) -> ScreenView:
    """Which answer to change, from the review."""
    rows = [[ButtonView(ui.text(FIELD_KEYS[question]), cb.GoTo(question).data)] for question in QUESTIONS]
    rows.append([button(ui, "journal_button_back_to_review", cb.GoTo(Step.REVIEW))])
    rows.append(navigation_row(ui, menu=False))
    return view("journal_fields", ui, escape(ui.text("journal_review_fields")), rows)


# ---------------------------------------------------------------------------------- texts


def fields_html(ui: Localizer, occurred_on: dt.date | None, occurred_time: dt.time | None, texts: dict[str, str],
                children: ChildrenPresent | None, attachments: tuple[Attachment, ...]) -> str:  # fmt: skip
    """Every field with its label, "not stated" where empty; long answers shortened to fit one message."""
    missing = ui.text("journal_value_missing")
    values: list[tuple[Step, str | None]] = [
        (Step.DATE, ui.date(occurred_on) if occurred_on else None),
        (Step.TIME, occurred_time.strftime("%H:%M") if occurred_time else None),
    ]
    for question in (Step.PLACE, Step.WHAT_HAPPENED, Step.INJURIES, Step.WITNESSES):
        values.append((question, texts.get(TEXT_STEPS[question])))
    values.append((Step.CHILDREN, ui.text(CHILDREN_KEYS[children]) if children else None))
    for question in (Step.POLICE, Step.MEDICAL):
        values.append((question, texts.get(TEXT_STEPS[question])))
    files = "; ".join(attachment_text(ui, item) for item in attachments) or None
    values.append((Step.ATTACHMENTS, files))
    total = sum(len(value or "") for _, value in values)
    share = max(200, TEXT_BUDGET // len(values))
    shortened = total > TEXT_BUDGET
    lines = []
    for question, value in values:
        shown = shorten(value, share) if (value and shortened) else value
        value_html = escape(shown) if shown else f"<i>{escape(missing)}</i>"
        lines.append(f"<b>{escape(ui.text(FIELD_KEYS[question]))}:</b> {value_html}")
    if shortened:
        lines.append(f"<i>{escape(ui.text('journal_text_shortened'))}</i>")
    return "\n".join(lines)


def current_value(ui: Localizer, draft: Draft) -> str | None:
    """The draft's answer to its current step, as she would read it (a correction shows it)."""
    at = draft.step
    if at is Step.DATE and draft.occurred_on is not None:
        return ui.date(draft.occurred_on)
    if at is Step.TIME and draft.occurred_time is not None:
        return draft.occurred_time.strftime("%H:%M")
    if at in TEXT_STEPS:
        return draft.texts.get(TEXT_STEPS[at])
    if at is Step.CHILDREN and draft.children_present is not None:
        return ui.text(CHILDREN_KEYS[draft.children_present])
    return None


def attachment_text(ui: Localizer, item: Attachment) -> str:
    size = ui.text("journal_size_kb", size=max(1, round(item.size / 1024)))
    kind = ui.text(KIND_KEYS[item.kind])
    return f"{kind} «{item.name}», {size}" if item.name else f"{kind}, {size}"


def entry_label(ui: Localizer, record: Entry) -> str:
    assert record.fields is not None
    when = ui.date(record.fields.occurred_on)
    if record.fields.occurred_time is not None:
        when += " " + record.fields.occurred_time.strftime("%H:%M")
    mark = "✎ " if record.kind is RecordKind.CORRECTION else ""
    return f"{mark}{ui.text('journal_record_number', number=record.number)} · {when}"


def error_text(ui: Localizer, code: InputError, today: dt.date) -> str:
    """A refused answer's message: date errors with an example, size and count errors with their limit."""
    key = INPUT_ERROR_KEYS[code]
    if code in DATE_ERRORS:
        return ui.text(key, example=parsing.date_example(today))
    if code in ERROR_LIMITS:
        return ui.text(key, limit=ERROR_LIMITS[code])
    return ui.text(key)


# ---------------------------------------------------------------------------------- building blocks


# ---------------------------------------------------------------------------------- her own safety plan

PLAN_OVERVIEW_CHARS = 300


def plan(
    ui: Localizer, safety_plan: SafetyPlan, suggested: tuple[PlanStep, ...], intro: str | None = None
) -> ScreenView:
    """Her plan: every step with what she wrote (or that nothing is written yet), a button per step. Steps the
    danger check suggests come first, starred."""
    order = (*suggested, *(step for step in PLAN_STEPS if step not in suggested))
    lines = [f"<b>{escape(ui.text('journal_plan_title'))}</b>", escape(ui.text("journal_plan_intro"))]
    if suggested:
        lines.append(escape(ui.text("journal_plan_suggested")))
    for step in order:
        star = "⭐ " if step in suggested else ""
        answer = safety_plan.answers.get(step)
        # Shortened here (the whole answer is in the step's prompt): seven long answers must fit one message.
        value = (
            escape(shorten(answer, PLAN_OVERVIEW_CHARS))
            if answer
            else f"<i>{escape(ui.text('journal_plan_not_written'))}</i>"
        )
        lines.append(f"\n{star}<b>{escape(ui.text(f'journal_plan_step_{step.value}'))}</b>\n{value}")
    rows = [
        [ButtonView(("⭐ " if step in suggested else "✏️ ") + ui.text(f"journal_plan_step_{step.value}"),
                    cb.PlanEdit(step).data)]
        for step in order
    ]  # fmt: skip
    rows.append([button(ui, "journal_menu_title", cb.Menu())])
    rows.append(navigation_row(ui))
    text = "\n".join(lines)
    if intro:
        text = f"<i>{escape(intro)}</i>\n\n{text}"
    return view("journal_plan", ui, text, rows)


def plan_prompt(ui: Localizer, step: PlanStep, current: str | None, error: str | None = None) -> ScreenView:
    """Asking for her words for one step, with a hint and what she wrote before."""
    label = ui.text(f"journal_plan_step_{step.value}")
    hint = ui.text(f"journal_plan_hint_{step.value}")
    parts = [escape(ui.text("journal_plan_prompt", step=label)), f"<i>{escape(hint)}</i>"]
    if error:
        parts.insert(0, f"<b>{escape(error)}</b>")
    if current:
        parts.append(f"<b>{escape(label)}:</b> {escape(current)}")
    rows = []
    if current:
        rows.append([button(ui, "journal_plan_button_clear", cb.PlanEdit(step, clear=True))])
    rows.append([button(ui, "journal_plan_button_back", cb.Plan())])
    rows.append(navigation_row(ui))
    return view("journal_plan_step", ui, "\n\n".join(parts), rows)


# ---------------------------------------------------------------------------------- a statement draft
# Nothing she typed for it is ever shown: the ready screen says only "typed" or "blank" for each detail.


def statement_intro(ui: Localizer) -> ScreenView:
    """What the drafts are, where to take each, keep a copy, the details may be left blank."""
    text = f"<b>{escape(ui.text('statement_title'))}</b>\n\n{escape(ui.text('statement_intro'))}"
    rows = [
        [button(ui, "statement_button_choose", cb.StatementEntries())],
        [button(ui, "journal_button_journal", cb.Menu())],
        navigation_row(ui),
    ]
    return view("statement_intro", ui, text, rows)


def statement_entries(
    ui: Localizer, entries: list[Entry], chosen: tuple[str, ...], page: int, notice: str | None = None
) -> ScreenView:
    """Her entries, newest first, a page at a time, each a button that chooses or unchooses it."""
    if not entries:
        rows = [[button(ui, "journal_button_journal", cb.Menu())], navigation_row(ui)]
        return view("statement_entries", ui, escape(ui.text("statement_no_entries")), rows)
    newest_first = entries[::-1]
    pages = -(-len(newest_first) // PAGE_SIZE)
    page = min(page, pages - 1)
    rows = [
        [ButtonView(("☑ " if item.entry_id in chosen else "☐ ") + entry_label(ui, item),
                    cb.StatementToggle(item.entry_id, page).data)]
        for item in newest_first[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]  # fmt: skip
    paging = []
    if page + 1 < pages:  # newest first: the next page holds earlier entries
        paging.append(button(ui, "journal_button_previous_page", cb.StatementEntries(page + 1)))
    if page > 0:
        paging.append(button(ui, "journal_button_next_page", cb.StatementEntries(page - 1)))
    if paging:
        rows.append(paging)
    rows.append([button(ui, "statement_button_next", cb.StatementKinds())])
    rows.append([button(ui, "journal_button_journal", cb.Menu())])
    rows.append(navigation_row(ui, menu=False))
    count = sum(1 for item in entries if item.entry_id in chosen)
    lines = [escape(ui.text("statement_choose_title")), escape(ui.plural("statement_chosen_count", count))]
    if notice:
        lines.insert(0, f"<b>{escape(notice)}</b>")
    return view("statement_entries", ui, "\n\n".join(lines), rows)


def statement_kinds(ui: Localizer, kinds: list[tuple[DocumentKind, str]]) -> ScreenView:
    """The documents (kind and its title in her language), in the order the content gives."""
    rows = [[ButtonView(title, cb.StatementKind(kind).data)] for kind, title in kinds]
    rows.append([button(ui, "journal_button_entries", cb.StatementEntries())])
    rows.append([button(ui, "journal_button_journal", cb.Menu())])
    rows.append(navigation_row(ui, menu=False))
    return view("statement_kinds", ui, escape(ui.text("statement_kinds_title")), rows)


def statement_prompt(ui: Localizer, detail: Detail, notice: str | None = None, *, all_blank: bool = True) -> ScreenView:
    """Asking for one detail: type it, leave it blank (the addressee: the standard line), or all the rest."""
    number = DETAILS.index(detail) + 1
    parts = [
        f"<i>{escape(ui.text('statement_prompt_counter', number=number, count=len(DETAILS)))}</i>",
        f"<b>{escape(ui.text(f'statement_prompt_{detail.value}'))}</b>",
        escape(ui.text("statement_prompt_how")),
    ]
    if notice:
        parts.insert(0, f"<i>{escape(notice)}</i>")
    if detail is Detail.ADDRESSEE:
        choice = button(ui, "statement_button_default", cb.StatementValue(detail, cb.DetailChoice.DEFAULT))
    else:
        choice = button(ui, "statement_button_blank", cb.StatementValue(detail, cb.DetailChoice.BLANK))
    rows = [[choice]]
    if all_blank and detail is not DETAILS[-1]:
        rows.append([button(ui, "statement_button_all_blank", cb.StatementValue(detail, cb.DetailChoice.ALL_BLANK))])
    rows.append([button(ui, "statement_button_documents", cb.StatementKinds())])
    rows.append([button(ui, "journal_button_journal", cb.Menu())])
    rows.append(navigation_row(ui, menu=False))
    return view(f"statement_prompt_{detail.value}", ui, "\n\n".join(parts), rows)


def statement_ready(
    ui: Localizer, title: str, count: int, typed: frozenset[Detail], language: str, languages: Sequence[str]
) -> ScreenView:
    """Ready to make: the document, its language, how many entries, and for each detail only whether she typed
    it."""
    lines = [
        f"<b>{escape(ui.text('statement_ready_title'))}</b>",
        escape(ui.text("statement_ready_document", document=title)),
        escape(ui.text("statement_ready_language", language=ui.text(f"statement_language_{language}"))),
        escape(ui.plural("statement_ready_entries", count)),
        "",
    ]
    for detail in DETAILS:
        if detail in typed:
            value = ui.text("statement_value_typed")
        else:
            value = ui.text("statement_value_default" if detail is Detail.ADDRESSEE else "statement_value_blank")
        lines.append(f"<b>{escape(ui.text(f'statement_detail_{detail.value}'))}:</b> {escape(value)}")
    lines += ["", f"<i>{escape(ui.text('statement_language_hint'))}</i>"]
    lines += ["", f"<i>{escape(ui.text('statement_ready_note'))}</i>"]
    rows = [[button(ui, "statement_button_make", cb.StatementMake())]]
    rows.append([
        ButtonView(("✓ " if other == language else "") + ui.text(f"statement_language_{other}"),
                   cb.StatementLanguage(other).data)
        for other in languages
    ])  # fmt: skip
    changes = [
        ButtonView(ui.text("statement_button_change", detail=ui.text(f"statement_detail_{detail.value}")),
                   cb.StatementAsk(detail).data)
        for detail in DETAILS
    ]  # fmt: skip
    rows += [changes[:2], changes[2:]]
    rows.append([button(ui, "statement_button_documents", cb.StatementKinds())])
    rows.append([button(ui, "journal_button_journal", cb.Menu())])
    rows.append(navigation_row(ui, menu=False))
    return view("statement_ready", ui, "\n".join(lines), rows)


def statement_sent(ui: Localizer, minutes: int) -> ScreenView:
    text = ui.text("statement_sent", duration=ui.plural("duration_minutes", minutes))
    rows = [[button(ui, "journal_button_journal", cb.Menu())], navigation_row(ui)]
    return view("statement_sent", ui, escape(text), rows)


def statement_gone(ui: Localizer) -> ScreenView:
    """The details were dropped (the journal locked, she went elsewhere, a restart): nothing to go on with."""
    rows = [
        [button(ui, "statement_button_again", cb.StatementStart())],
        [button(ui, "journal_button_journal", cb.Menu())],
        navigation_row(ui),
    ]
    return view("statement_gone", ui, escape(ui.text("statement_gone")), rows)


def view(screen_id: str, ui: Localizer, text_html: str, rows: list[list[ButtonView]]) -> ScreenView:
    return ScreenView(screen_id, ui.language, text_html, rows, len(text_html))


def button(ui: Localizer, key: str, data: cb.JournalData) -> ButtonView:
    return ButtonView(ui.text(key), data.data)


def step_button(ui: Localizer, key: str, at: Step, choice: str, *, capital: bool = False) -> ButtonView:
    text = ui.text(key)
    return ButtonView(text[:1].upper() + text[1:] if capital else text, cb.StepButton(at, choice).data)
