"""The open journal's menu and what it does with the records: list, view one, delete one, delete everything,
export (PDF or text) and the job that takes an export out of the chat again.

Every action here needs the journal open; the service raises JournalLocked otherwise, and `pin.guarded`
asks for the PIN. An export is a protected document with a neutral name, deleted after
`journal_export_delete_minutes`; the job's data is the chat id and the message id only.
"""

from __future__ import annotations

import logging

from bot.telegram.journal import screens
from bot.telegram.journal.turn import Turn
from bot.telegram.views import escape

log = logging.getLogger(__name__)


async def show_menu(turn: Turn, *, edit: bool = True, intro: str | None = None) -> None:
    entries = await turn.journal.entries(turn.key, current_only=True)  # raises JournalLocked if it is not open
    status = await turn.journal.status(turn.key)
    has_plan = (await turn.journal.plan(turn.key)).filled > 0  # a plan alone can be exported too
    await turn.show(screens.menu(turn.ui, len(entries), status, intro, has_plan=has_plan), edit=edit)


async def menu(turn: Turn) -> None:
    """The menu's button: whatever the flow was doing, it stops here."""
    turn.flow.pause()
    await show_menu(turn)


async def list_entries(turn: Turn, *, delete: bool, page: int) -> None:
    entries = await turn.journal.entries(turn.key, current_only=True)
    await turn.show(screens.entry_list(turn.ui, entries, delete=delete, page=page))


async def show_entry(turn: Turn, entry_id: str) -> None:
    entry = await turn.journal.entry(turn.key, entry_id)
    numbers = {record.entry_id: record.number for record in await turn.journal.records(turn.key)}
    await turn.show(screens.entry(turn.ui, entry, numbers))


async def ask_delete(turn: Turn, entry_id: str) -> None:
    entry = await turn.journal.entry(turn.key, entry_id)
    await turn.show(screens.confirm_delete(turn.ui, entry))


async def delete_one(turn: Turn, entry_id: str) -> None:
    entry = await turn.journal.entry(turn.key, entry_id)
    await turn.journal.delete_entry(turn.key, entry.entry_id)
    await show_menu(turn, intro=turn.ui.text("journal_deleted_one", number=entry.number))


async def ask_delete_all(turn: Turn) -> None:
    turn.journal.require_open(turn.key)  # from the open journal only; "I forgot the PIN" is the other way here
    await turn.show(screens.confirm_delete_all(turn.ui))


async def delete_all(turn: Turn) -> None:
    """Crypto-shredding; needs no PIN (a forgotten PIN leads here too)."""
    await turn.journal.delete_all(turn.key)
    turn.flow.pause()
    await turn.delete_flow()
    await turn.delete_pin_prompts()
    await turn.show(screens.deleted_all(turn.ui))


async def export(turn: Turn, *, pdf: bool) -> None:
    journal, ui = turn.journal, turn.ui
    data = await journal.export_pdf(turn.key, ui) if pdf else await journal.export_text(turn.key, ui)
    minutes = turn.context.bot_data.settings.journal_export_delete_minutes
    name = f"notes-{journal.today():%Y%m%d}.{'pdf' if pdf else 'txt'}"  # neutral: no name, no subject
    caption = ui.text("journal_export_sent", duration=ui.plural("duration_minutes", minutes))
    await send_protected(turn, data, name, caption)
    log.info("journal exported format=%s", "pdf" if pdf else "text")


async def send_protected(turn: Turn, data: bytes, name: str, caption: str) -> None:
    """A file of her journal in her chat: protected from forwarding, silent as her settings say, under a
    neutral name, and deleted after `journal_export_delete_minutes` (the export, the statement drafts)."""
    minutes = turn.context.bot_data.settings.journal_export_delete_minutes
    discreet = (await turn.services.safety.settings(turn.chat_id)).discreet
    sent = await turn.context.bot.send_document(
        turn.chat_id,
        data,
        filename=name,
        caption=escape(caption),
        protect_content=True,
        disable_notification=discreet,
        read_timeout=60,
        write_timeout=60,
    )
    await turn.services.safety.record(turn.chat_id, [sent.message_id], int(sent.date.timestamp()))
    # In the database, not in memory: a restart must not leave her journal in the chat.
    await turn.services.safety.delete_later(turn.chat_id, sent.message_id, minutes * 60)
