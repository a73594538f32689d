"""A statement drafted from her journal: what the drafts are and where to take them, choosing entries, choosing
the document, her details one at a time, and the PDF and DOCX (bot.documents.render_draft).

Her details (full name, address, phone, to whom) are the one thing she types that the bot keeps, and only
here: in `chat_data.journal.statement` (memory), until the files are made — dropped then, at once — or the
flow ends any other way (another button or command, the journal locking or closing when idle, Exit, /forget,
the automatic wipe, a restart). Her message carrying one is deleted as soon as it is read; its id is kept
(journal_flow_messages) only if Telegram refused to delete it. No screen echoes a detail back ("typed" or
"blank" only), nothing of one goes into callback data, a log line or an exception, and the drafts are sent
like the journal's export: protected, under a neutral name, deleted from the chat later.

Every step needs the journal open: a locked journal drops the details and asks for the PIN (`pin.guarded`).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Message
from telegram.error import BadRequest, TelegramError

from bot.content.documents import DocumentKind
from bot.content.render import ScreenView
from bot.documents import PersonalDetails, render_draft
from bot.journal.model import Entry, JournalLocked
from bot.telegram.journal import callbacks as cb
from bot.telegram.journal import records, screens
from bot.telegram.journal.flow import DETAILS, Awaiting, Detail, Flow, Statement
from bot.telegram.journal.turn import Turn
from bot.telegram.views import escape, keyboard, message_html

log = logging.getLogger(__name__)

# Enough for any real name, address or office; the document has a line for each.
MAX_CHARS = {Detail.FULL_NAME: 200, Detail.ADDRESS: 300, Detail.PHONE: 40, Detail.ADDRESSEE: 300}


def drop(flow: Flow | None) -> None:
    """Her details go (and the entries she chose). If a detail was awaited, her next message is still deleted
    and she is told they were cleared: it may be her name, which must not go to an advocate or anywhere."""
    if flow is not None:
        flow.statement = None


async def start(turn: Turn, *, edit: bool = True) -> None:
    """The journal menu's "Draft a statement": what the drafts are, where to take them, keep a copy."""
    turn.flow.after_open = lambda opened: start(opened, edit=False)  # after the PIN, if it is asked for first
    turn.journal.require_open(turn.key)
    turn.flow.pause()  # anything the flow was doing, an earlier statement's details included
    turn.flow.statement = Statement()
    await turn.show(screens.statement_intro(turn.ui), edit=edit)


async def show_entries(turn: Turn, page: int, notice: str | None = None, *, edit: bool = True) -> None:
    statement = _open(turn) or _fresh(turn)  # choosing entries holds nothing she typed: a stale button starts over
    _stop_asking(turn, statement)
    entries = await turn.journal.entries(turn.key, current_only=True)
    statement.chosen = _still_there(statement.chosen, entries)
    await turn.show(screens.statement_entries(turn.ui, entries, statement.chosen, page, notice), edit=edit)


async def toggle(turn: Turn, entry_id: str, page: int) -> None:
    statement = _open(turn) or _fresh(turn)
    entries = await turn.journal.entries(turn.key, current_only=True)
    if any(entry.entry_id == entry_id for entry in entries):
        chosen = statement.chosen
        statement.chosen = tuple(i for i in chosen if i != entry_id) if entry_id in chosen else (*chosen, entry_id)
    await show_entries(turn, page)


async def show_kinds(turn: Turn) -> None:
    """The entries are chosen (at least one): which document."""
    statement = _open(turn)
    if statement is None:
        await _gone(turn)
        return
    _stop_asking(turn, statement)
    entries = await turn.journal.entries(turn.key, current_only=True)
    statement.chosen = _still_there(statement.chosen, entries)
    if not statement.chosen:
        await show_entries(turn, 0, turn.ui.text("statement_choose_at_least_one"))
        return
    templates = turn.services.content.documents(turn.ui.language)
    kinds = [(kind, templates.title(kind)) for kind in templates.kinds()]
    await turn.show(screens.statement_kinds(turn.ui, kinds))


async def choose_kind(turn: Turn, kind: DocumentKind | None) -> None:
    statement = _open(turn)
    if statement is None:
        await _gone(turn)
        return
    if kind is None or kind not in turn.services.content.documents(turn.ui.language).kinds() or not statement.chosen:
        await show_kinds(turn)  # an old or odd button
        return
    statement.kind = kind
    if statement.reviewing:  # she came back from the ready screen for another document: her answers stand
        await show_ready(turn)
        return
    await _ask(turn, statement, DETAILS[0])


async def value_button(turn: Turn, detail: Detail | None, choice: cb.DetailChoice | None) -> None:
    """ "Leave blank", "use the standard line" or "leave all blank" on a detail's prompt."""
    statement = _open(turn)
    if statement is None:
        await _gone(turn)
        return
    if statement.kind is None or detail is None or choice is None:
        await show_kinds(turn)
        return
    if choice is cb.DetailChoice.ALL_BLANK:
        for later in DETAILS[DETAILS.index(detail) :]:
            statement.typed.pop(later, None)
        await show_ready(turn)
        return
    statement.typed.pop(detail, None)
    await _next(turn, statement, detail)


async def ask(turn: Turn, detail: Detail | None) -> None:
    """ "✏️ Name" on the ready screen: type it (again), then back to the ready screen."""
    statement = _open(turn)
    if statement is None:
        await _gone(turn)
        return
    if statement.kind is None or detail is None:
        await show_kinds(turn)
        return
    await _ask(turn, statement, detail)


async def delete_typed(turn: Turn, message: Message) -> None:
    """Her message while a detail is awaited: deleted before anything else is done with it."""
    try:
        await message.delete()
    except TelegramError as error:
        # Deleted with the flow, after a restart, or by the automatic wipe; only its id is kept till then.
        await turn.track(message.message_id)
        log.warning("statement detail message not deleted error=%s", type(error).__name__)


async def take_detail(turn: Turn, message: Message) -> None:
    """Her message (deleted already, `delete_typed`) as the awaited detail: kept in memory only."""
    statement = _open(turn)  # a journal locked meanwhile: the details go, the PIN is asked for
    if statement is None or statement.asking is None:
        turn.flow.awaiting = None
        await _gone(turn, edit=False)
        return
    detail, ui = statement.asking, turn.ui
    if message.text is None:  # a photo of her ID, a voice message…: deleted too, and she is asked to type
        await _ask(turn, statement, detail, ui.text("statement_error_text_only"))
        return
    value = " ".join(message.text.split())  # one line in the document
    if not value:
        await _ask(turn, statement, detail, ui.text("statement_error_empty"))
    elif len(value) > MAX_CHARS[detail]:
        await _ask(turn, statement, detail, ui.text("statement_error_too_long", limit=MAX_CHARS[detail]))
    else:
        statement.typed[detail] = value
        await _next(turn, statement, detail, ui.text("statement_noted"))


async def show_ready(turn: Turn, *, notice: str | None = None) -> None:
    found = await _with_document(turn)
    if found is None:
        return
    statement, kind = found
    _stop_asking(turn, statement)
    statement.reviewing = True
    title = turn.services.content.documents(turn.ui.language).title(kind)
    languages = turn.services.content.document_languages()
    view = screens.statement_ready(
        turn.ui, title, len(statement.chosen), frozenset(statement.typed), _language(turn, statement), languages
    )
    await _show(turn, statement, view, notice)


async def choose_language(turn: Turn, language: str | None) -> None:
    """The document's language (Russian or Kazakh to file; English to read), from the ready screen."""
    statement = _open(turn)
    if statement is None:
        await _gone(turn)
        return
    if language in turn.services.content.document_languages():
        statement.language = language
    await show_ready(turn)


async def make(turn: Turn) -> None:
    """ "Make PDF and DOCX": the details leave memory at once; both files are sent like the journal's export."""
    found = await _with_document(turn)
    if found is None:
        return
    statement, kind = found
    entries = await turn.journal.entries(turn.key, current_only=True)
    chosen = [entry for entry in entries if entry.entry_id in statement.chosen]
    if not chosen:
        await show_entries(turn, 0, turn.ui.text("statement_choose_at_least_one"))
        return
    typed = statement.typed
    details = PersonalDetails(
        full_name=typed.get(Detail.FULL_NAME),
        address=typed.get(Detail.ADDRESS),
        phone=typed.get(Detail.PHONE),
        addressee=typed.get(Detail.ADDRESSEE),
    )
    language = _language(turn, statement)
    turn.flow.pause()  # the details are in `details` alone now, for the files only
    content, today = turn.services.content, turn.journal.today()
    # A document not in her language comes with a PDF in hers, to read what she will sign.
    reading = turn.ui.language if turn.ui.language != language else None
    try:
        files = await asyncio.to_thread(render_draft, content.documents(language), kind, chosen, details, today)
        if reading is not None:
            to_read = await asyncio.to_thread(render_draft, content.documents(reading), kind, chosen, details, today)
    finally:
        del details, typed, statement
    minutes = turn.context.bot_data.settings.journal_export_delete_minutes
    duration = turn.ui.plural("duration_minutes", minutes)
    caption = turn.ui.text("statement_file_caption", duration=duration)
    ready = turn.pressed
    await records.send_protected(turn, files.pdf, f"{files.file_stem}-{language}.pdf", caption)
    await records.send_protected(turn, files.docx, f"{files.file_stem}-{language}.docx", caption)
    if reading is not None:
        reading_caption = turn.ui.text("statement_file_caption_reading", duration=duration)
        await records.send_protected(turn, to_read.pdf, f"{to_read.file_stem}-{reading}.pdf", reading_caption)
    if ready is not None:  # the ready screen gives way to the note under the files
        await turn.delete([ready.message_id])
    await turn.show(screens.statement_sent(turn.ui, minutes), edit=False)
    log.info("statement draft sent entries=%d", len(chosen))


# ---------------------------------------------------------------------------------- helpers


async def _with_document(turn: Turn) -> tuple[Statement, DocumentKind] | None:
    """The statement and its document, once chosen; otherwise the step before is shown and None returned."""
    statement = _open(turn)
    if statement is None:
        await _gone(turn)
        return None
    if statement.kind is None:
        await show_kinds(turn)
        return None
    return statement, statement.kind


def _language(turn: Turn, statement: Statement) -> str:
    """The document's language: the one she chose; else hers, unless hers is for reading only (English):
    then the first the police take (Russian)."""
    content = turn.services.content
    languages = content.document_languages()
    if statement.language in languages:
        return statement.language
    if turn.ui.language in languages and not content.documents(turn.ui.language).for_reading_only:
        return turn.ui.language
    return next(language for language in languages if not content.documents(language).for_reading_only)


def _open(turn: Turn) -> Statement | None:
    """The statement being put together, once the journal is known to be open. A journal that locked (her lock,
    the idle time) takes the details with it: JournalLocked goes on to `pin.guarded`, which asks for the PIN."""
    try:
        turn.journal.require_open(turn.key)
    except JournalLocked:
        drop(turn.flow)
        raise
    return turn.flow.statement


def _fresh(turn: Turn) -> Statement:
    turn.flow.pause()
    turn.flow.statement = Statement()
    return turn.flow.statement


def _stop_asking(turn: Turn, statement: Statement) -> None:
    """Off a detail's prompt (to the entries, the documents, the ready screen): her next message is no detail."""
    statement.asking = None
    if turn.flow.awaiting is Awaiting.STATEMENT:
        turn.flow.awaiting = None


def _still_there(chosen: tuple[str, ...], entries: list[Entry]) -> tuple[str, ...]:
    """The chosen ids, without entries deleted or corrected since (a correction is a new entry)."""
    current = {entry.entry_id for entry in entries}
    return tuple(entry_id for entry_id in chosen if entry_id in current)


async def _ask(turn: Turn, statement: Statement, detail: Detail, notice: str | None = None) -> None:
    statement.asking = detail
    turn.flow.awaiting = Awaiting.STATEMENT
    view = screens.statement_prompt(turn.ui, detail, notice, all_blank=not statement.reviewing)
    await _show(turn, statement, view)


async def _next(turn: Turn, statement: Statement, after: Detail, notice: str | None = None) -> None:
    """The detail after `after`; the ready screen after the last, or when she came from it to change one."""
    following = DETAILS.index(after) + 1
    if statement.reviewing or following == len(DETAILS):
        await show_ready(turn, notice=notice)
    else:
        await _ask(turn, statement, DETAILS[following], notice)


async def _show(turn: Turn, statement: Statement, view: ScreenView, notice: str | None = None) -> None:
    """Edit the pressed message, or after her typed message (deleted) the prompt she answered, into `view`."""
    if notice:
        view.html = f"<i>{escape(notice)}</i>\n\n{view.html}"
    if turn.pressed is None and statement.prompt_id is not None:
        try:
            await turn.context.bot.edit_message_text(
                message_html(view), turn.chat_id, statement.prompt_id, reply_markup=keyboard(view)
            )
            return
        except BadRequest as error:
            if "not modified" in error.message:
                return
            # Gone (wiped, too old to edit): the screen comes as a new message.
    statement.prompt_id = await turn.show(view, edit=True)


async def _gone(turn: Turn, *, edit: bool = True) -> None:
    await turn.show(screens.statement_gone(turn.ui), edit=edit)
