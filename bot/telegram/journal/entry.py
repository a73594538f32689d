"""The guided entry in Telegram: a new entry or a correction, one prompt at a time; her answers, files and the
step buttons; the review, changing one answer, saving and cancelling.

Which step comes next, and which answers and buttons a step takes, is the journal service's (answer, choose,
go_to, check_file); here updates are read and prompts shown. Every prompt and every answer of the entry is
tracked (its id, in the database) and deleted from the chat when the entry is saved or cancelled, or after a
restart; a file leaves the chat as soon as it is stored, encrypted.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Message
from telegram.error import BadRequest, TelegramError

from bot.journal.model import (
    AttachmentKind,
    Draft,
    InputError,
    JournalInputError,
    NewAttachment,
    NoDraft,
    NotFound,
    Step,
)
from bot.telegram.journal import callbacks as cb
from bot.telegram.journal import screens
from bot.telegram.journal.flow import Awaiting
from bot.telegram.journal.turn import Turn

log = logging.getLogger(__name__)


async def new_entry(turn: Turn, *, start_over: bool) -> None:
    draft = await turn.journal.draft(turn.key)
    if draft is not None and not start_over:
        await offer_draft(turn, cb.NewEntry(start_over=True))
        return
    draft = await turn.journal.start_entry(turn.key)
    turn.flow.pause()
    await show_step(turn, draft)


async def correct(turn: Turn, entry_id: str, *, start_over: bool) -> None:
    await turn.journal.entry(turn.key, entry_id)  # raises NotFound
    if not start_over and await turn.journal.draft(turn.key) is not None:
        await offer_draft(turn, cb.Correct(entry_id, start_over=True))
        return
    draft = await turn.journal.start_correction(turn.key, entry_id)
    turn.flow.pause()
    await show_step(turn, draft)


async def offer_draft(turn: Turn, start_over: cb.JournalData) -> None:
    await turn.show(screens.offer_draft(turn.ui, start_over))


async def continue_entry(turn: Turn) -> None:
    await show_step(turn, await _draft(turn))


async def step_button(turn: Turn, step: Step | None, choice: str) -> None:
    """A button of a step's prompt. Only the step the draft is at takes it (the service says so); an older
    prompt's button is refused kindly, with the current prompt again."""
    try:
        draft = await turn.journal.choose(turn.key, step, choice)
    except JournalInputError as error:
        await show_step(turn, await _draft(turn), edit=False, error=error.code)
        return
    await show_step(turn, draft)


async def review_button(turn: Turn, action: cb.ReviewAction | None) -> None:
    if action is cb.ReviewAction.CANCEL:
        await cancel_entry(turn)
        return
    draft = await _draft(turn)
    if action is cb.ReviewAction.FIELDS:
        await show_fields(turn)
    elif action is cb.ReviewAction.SAVE:
        if draft.step is not Step.REVIEW:  # Save only from the review: an older review's button is refused
            await show_step(turn, draft, edit=False, error=InputError.NOT_NOW)
            return
        await save(turn)
    else:
        await show_step(turn, draft)


async def go_to(turn: Turn, step: Step) -> None:
    await show_step(turn, await turn.journal.go_to(turn.key, step))


async def remove_file(turn: Turn, file_id: str) -> None:
    await show_step(turn, await turn.journal.remove_attachment(turn.key, file_id))


async def save(turn: Turn) -> None:
    try:
        entry = await turn.journal.save_draft(turn.key)
    except JournalInputError as error:  # a date that became impossible (it cannot be in the future)
        draft = await turn.journal.go_to(turn.key, Step.DATE)
        await show_step(turn, draft, edit=False, error=error.code)
        return
    turn.flow.pause()
    await turn.delete_flow()
    await turn.delete_pin_prompts()
    await turn.show(screens.saved(turn.ui, entry.number), edit=False)


async def cancel_entry(turn: Turn) -> None:
    await turn.journal.cancel_draft(turn.key)
    turn.flow.pause()
    await turn.delete_flow()
    await turn.delete_pin_prompts()
    await turn.show(screens.cancelled(turn.ui), edit=False)


async def take_message(turn: Turn, message: Message) -> None:
    """Her message while a step waits: an answer, a file, or something the journal cannot take."""
    draft = await _draft(turn)
    attachment = attachment_of(message)
    if attachment is not None:
        await _take_file(turn, message, draft, *attachment)
        return
    if message.text is not None and draft.step is Step.REVIEW:
        await show_step(turn, draft, edit=False, error=InputError.NOT_A_CHOICE)
        return
    if message.text is None:
        await turn.show(screens.unsupported(turn.ui), edit=False, entry=True)
        return
    try:
        draft = await turn.journal.answer(turn.key, message.text)
    except JournalInputError as error:
        await show_step(turn, draft, edit=False, error=error.code)
        return
    await show_step(turn, draft, edit=False)


async def _take_file(turn: Turn, message: Message, draft: Draft, file_id: str, kind: AttachmentKind,
                     size: int | None, name: str | None, mime_type: str | None) -> None:  # fmt: skip
    """Downloaded only if it fits; stored encrypted; then her message holding it leaves the chat."""
    try:
        turn.journal.check_file(draft, size)  # before downloading anything
    except JournalInputError as error:
        await show_step(turn, draft, edit=False, error=error.code)
        return
    try:
        telegram_file = await turn.context.bot.get_file(file_id)
        data = bytes(await telegram_file.download_as_bytearray(read_timeout=120))
    except BadRequest as error:  # "file is too big": Telegram's own 20 MB limit for bots
        log.info("journal file refused error=%s", type(error).__name__)
        await show_step(turn, draft, edit=False, error=InputError.FILE_TOO_LARGE)
        return
    try:
        draft = await turn.journal.add_attachment(turn.key, NewAttachment(data, kind, name, mime_type))
    except JournalInputError as error:
        await show_step(turn, draft, edit=False, error=error.code)
        return
    finally:
        del data
    with contextlib.suppress(TelegramError):
        await turn.context.bot.delete_message(turn.chat_id, message.message_id)
    await turn.untrack(message.message_id)
    added = turn.ui.text("journal_file_added", file=screens.attachment_text(turn.ui, draft.attachments[-1]))
    await show_step(turn, draft, edit=False, intro=added)


def attachment_of(message: Message) -> tuple[str, AttachmentKind, int | None, str | None, str | None] | None:
    """(file id, kind, size, original name, MIME type) of what she sent, or None if it is not a file."""
    if message.photo:
        photo = message.photo[-1]  # the largest size Telegram keeps
        return photo.file_id, AttachmentKind.PHOTO, photo.file_size, None, "image/jpeg"
    if message.voice is not None:
        voice = message.voice
        return voice.file_id, AttachmentKind.VOICE, voice.file_size, None, voice.mime_type
    if message.video is not None:
        video = message.video
        return video.file_id, AttachmentKind.VIDEO, video.file_size, video.file_name, video.mime_type
    if message.video_note is not None:
        note = message.video_note
        return note.file_id, AttachmentKind.VIDEO, note.file_size, None, "video/mp4"
    if message.audio is not None:
        audio = message.audio
        return audio.file_id, AttachmentKind.AUDIO, audio.file_size, audio.file_name, audio.mime_type
    if message.document is not None:  # also a GIF, which Telegram sends as an animation with its document
        document = message.document
        return document.file_id, AttachmentKind.DOCUMENT, document.file_size, document.file_name, document.mime_type
    return None


async def show_step(turn: Turn, draft: Draft, *, edit: bool = True, error: InputError | None = None,
                    intro: str | None = None) -> None:  # fmt: skip
    """The prompt for the draft's step (or the review), as part of the entry's messages."""
    flow = turn.flow
    flow.awaiting, flow.in_entry = Awaiting.ENTRY, True
    corrected = await _corrected_number(turn, draft) if draft.step is Step.REVIEW else None
    view = screens.prompt(turn.ui, draft, turn.journal.today(), corrected_number=corrected, error=error, intro=intro)
    await turn.show(view, edit=edit, entry=True)


async def show_fields(turn: Turn) -> None:
    """From the review: which answer to change."""
    turn.flow.awaiting, turn.flow.in_entry = Awaiting.ENTRY, True
    await turn.show(screens.fields(turn.ui), entry=True)


async def _corrected_number(turn: Turn, draft: Draft) -> int | None:
    if draft.corrects is None:
        return None
    with contextlib.suppress(NotFound):
        return (await turn.journal.entry(turn.key, draft.corrects)).number
    return None


async def _draft(turn: Turn) -> Draft:
    draft = await turn.journal.draft(turn.key)
    if draft is None:
        raise NoDraft()
    return draft
