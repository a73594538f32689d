"""A statement drafted from her journal (issue 15, part 3), through PTB: choose entries, then three taps to the
PDF; her name, address and phone deleted from the chat as soon as they are read, never shown back, never in
callback data, the database or the log, and gone from memory once the files are made or the journal closes."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import logging
import time
from pathlib import Path
from typing import Any

import docx
from pypdf import PdfReader
from telegram import Update
from telegram.ext import CallbackContext

from bot.content.documents import DocumentKind
from bot.journal.model import AttachmentKind, EntryFields, NewAttachment
from bot.logging_setup import configure_logging
from bot.storage.inbox import UpdateInbox
from bot.telegram import handlers
from bot.telegram.webhook import Webhook
from tests.support.application import TEST_SECRET
from tests.support.journal import png_bytes
from tests.support.journal_chat import USER, JournalHarness
from tests.support.telegram import button_texts

NAME = "Saule Nurlanovna STMTNAME-4e1a"
ADDRESS = "Abay avenue 10, flat 5 STMTADDR-77c0"
PHONE = "+7 701 555 0199"
ADDRESSEE = "Head of the Almalinsky district police STMTTO-19bd"
TYPED = (NAME, ADDRESS, PHONE, ADDRESSEE)
FIRST = "He pushed me against the wall FIRSTTEXT-0a"
SECOND = "He broke my phone and threatened me SECONDTEXT-0b"
_update_ids = itertools.count(700_000)


async def two_entries(h: JournalHarness, pin: str | None = None) -> tuple[str, str]:
    """Two entries with a file each; returns the SHA-256 of each file."""
    await h.journal.create(h.key(), pin)
    photo, document = png_bytes(20, 10), b"%PDF-1.4 a medical certificate"
    first = await h.journal.add_entry(
        h.key(), EntryFields(dt.date(2026, 10, 5), place="kitchen", what_happened=FIRST),
        [NewAttachment(photo, AttachmentKind.PHOTO, None, "image/png")],
    )  # fmt: skip
    second = await h.journal.add_entry(
        h.key(), EntryFields(dt.date(2026, 11, 20), what_happened=SECOND),
        [NewAttachment(document, AttachmentKind.DOCUMENT, "certificate.pdf", "application/pdf")],
    )  # fmt: skip
    return first.attachments[0].sha256, second.attachments[0].sha256


async def choose_both_entries(h: JournalHarness) -> None:
    await h.send("/journal")
    await h.press("📝 Draft a statement")
    await h.press("Choose entries »")
    labels = [label for label in button_texts(h.last()) if label.startswith("☐")]
    assert labels == ["☐ Record #2 · November 20, 2026", "☐ Record #1 · October 5, 2026"]  # newest first
    await h.press("☐ Record #2 · November 20, 2026")
    await h.press("☐ Record #1 · October 5, 2026")
    assert "Chosen: 2 entries." in h.last_text()
    await h.press("Next: the document »")


def sent_files(h: JournalHarness, since: int = 0) -> dict[str, bytes]:
    files = {}
    for index, call in enumerate(h.request.calls[since:], start=since):
        if call.method == "sendDocument":
            assert call.params["protect_content"] is True
            (name, content, _mime) = next(iter(h.request.uploads[index].values()))
            files[name] = content
    return files


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


def data_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


async def test_after_choosing_entries_three_taps_make_the_pdf_and_docx_sent_protected_and_deleted_later(
    journal_harness: JournalHarness,
):
    h = journal_harness
    hashes = await two_entries(h)
    await h.send("/journal")
    await h.press("📝 Draft a statement")
    intro = h.last_text()
    for words in ("drafts", "before you sign", "police", "prosecutor", "Keep a copy", "write them by hand"):
        assert words in intro, words
    await h.press("Choose entries »")
    await h.press("Next: the document »")  # nothing chosen yet
    assert "Choose at least one entry first." in h.last_text()
    await h.press("☐ Record #2 · November 20, 2026")
    await h.press("☐ Record #1 · October 5, 2026")
    await h.press("☑ Record #1 · October 5, 2026")  # changed her mind, and back
    await h.press("☐ Record #1 · October 5, 2026")
    await h.press("Next: the document »")
    templates = h.services.content.documents("en")
    titles = [templates.title(kind) for kind in templates.kinds()]
    assert button_texts(h.last())[: len(titles)] == titles and len(titles) == 3

    calls_before = len(h.request.calls)
    await h.press(templates.title(DocumentKind.POLICE_STATEMENT))  # 1
    assert "Your full name, as in your ID." in h.last_text() and "Detail 1 of 4" in h.last_text()
    await h.press("Leave all blank »")  # 2
    ready = h.last_text()
    assert "Name: blank, to write by hand" in ready and "To whom: the standard line" in ready
    # English drafts are translations, not for filing: the document is in Russian unless she chooses.
    assert "Language of the document: Russian" in ready and "✓ Russian" in button_texts(h.last())
    await h.press("📄 Make PDF and DOCX")  # 3
    taps = [c for c in h.request.calls[calls_before:] if c.method == "answerCallbackQuery"]
    assert len(taps) == 3

    files = sent_files(h, calls_before)
    assert all(name.startswith("draft-") for name in files)  # neutral: no name, no kind of abuse
    # The Russian draft to file (PDF and DOCX), and the same in English to read (PDF).
    assert sorted(name.rsplit("-", 1)[1] for name in files) == ["en.pdf", "ru.docx", "ru.pdf"]
    pdf, document, reading = (
        next(content for name, content in files.items() if name.endswith(end)) for end in ("ru.pdf", "docx", "en.pdf")
    )
    for text in (pdf_text(pdf), docx_text(document), pdf_text(reading)):
        assert FIRST in text and SECOND in text
        assert all(sha in text.replace(" ", "") for sha in hashes)  # a hash may wrap in its table cell
    assert "ЗАЯВЛЕНИЕ" in pdf_text(pdf) and "translation" not in pdf_text(pdf)
    assert "English translation for reading only" in pdf_text(reading)
    assert "Your drafts are above" in h.last_text()
    # Deleted from her chat later, exactly as the journal's export: the time waits in the database.
    sent = [h.request.results[i]["message_id"] for i, c in enumerate(h.request.calls) if c.method == "sendDocument"]
    safety = h.services.safety
    started = safety.clock()
    minutes = h.app.bot_data.settings.journal_export_delete_minutes
    safety.clock = lambda: started + minutes * 60 + 1
    try:
        assert sorted(message_id for _chat, message_id in await safety.due_deletions()) == sorted(sent)
    finally:
        safety.clock = lambda: started
    assert h.app.chat_data[USER].journal is not None and h.app.chat_data[USER].journal.statement is None


async def test_her_details_are_deleted_when_read_never_shown_back_and_used_once(journal_harness, caplog):
    h = journal_harness
    configure_logging("DEBUG")  # even the most talkative log level holds none of it
    caplog.set_level(logging.DEBUG)
    await two_entries(h)
    await choose_both_entries(h)
    await h.press(h.services.content.documents("en").title(DocumentKind.PROTECTIVE_ORDER))
    typed_ids = []
    for value in TYPED:
        typed_ids.append(await h.send(value))
        assert typed_ids[-1] in h.request.deleted_ids()  # gone from the chat as soon as it was read
        assert "Noted. Your message is deleted." in h.last_text()
    ready = h.last_text()
    assert "Name: typed" in ready and "Address: typed" in ready and "Phone: typed" in ready
    assert "To whom: typed" in ready

    # Rewritten from the ready screen: back to it, not through the other details again.
    await h.press("✏️ Address")
    retyped = await h.send(ADDRESS)
    assert retyped in h.request.deleted_ids() and "Ready to make your draft" in h.last_text()

    statement = h.app.chat_data[USER].journal.statement  # type: ignore[union-attr]
    assert all(value not in repr(statement) for value in TYPED)  # a traceback would show none of them
    await h.press("📄 Make PDF and DOCX")
    assert h.app.chat_data[USER].journal.statement is None  # type: ignore[union-attr]

    files = sent_files(h)
    pdf = next(content for name, content in files.items() if name.endswith(".pdf"))
    document = next(content for name, content in files.items() if name.endswith(".docx"))
    assert NAME in pdf_text(pdf) and NAME in docx_text(document)
    # Nothing she typed in any other call: no message, no edit, no button's callback data, no file name.
    for call in h.request.calls:
        if call.method == "sendDocument":
            call = type(call)(call.method, {k: v for k, v in call.params.items() if k != "document"})
        dumped = json.dumps(call.params, ensure_ascii=False)
        assert all(value not in dumped for value in TYPED), call.method
    # Nor in the log, nor in the database, its WAL or any file of the data folder.
    assert all(value not in caplog.text for value in TYPED)
    await h.services.database.checkpoint()
    stored = data_bytes(h.services.database.path.parent)  # type: ignore[union-attr]
    assert all(value.encode() not in stored for value in TYPED)


async def test_a_locked_journal_asks_for_the_pin_first(journal_harness):
    h = journal_harness
    await two_entries(h, pin="246813")
    await h.journal.unlock(h.key(), "246813")
    await h.send("/journal")
    h.journal.lock(h.key())
    await h.press("📝 Draft a statement")  # on the menu left in her chat
    assert "Enter the journal's PIN" in h.last_text() and "police" not in h.last_text()
    pin = await h.send("246813")
    assert pin in h.request.deleted_ids()
    assert "before you sign" in h.last_text() and "Choose entries »" in button_texts(h.last())


async def test_the_journal_closing_when_idle_drops_her_details_and_deletes_what_she_types_next(journal_harness):
    h = journal_harness
    await two_entries(h, pin="246813")
    await h.journal.unlock(h.key(), "246813")
    await choose_both_entries(h)
    await h.press(h.services.content.documents("en").title(DocumentKind.POLICE_STATEMENT))
    await h.send(NAME)
    assert h.app.chat_data[USER].journal.statement.typed  # type: ignore[union-attr]
    h.clock.mono_now += 11 * 60  # idle: the journal's key is forgotten by the periodic job…
    await handlers.auto_wipe(CallbackContext(h.app))  # type: ignore[arg-type]
    assert h.app.chat_data[USER].journal.statement is None  # type: ignore[union-attr]  # …and her details with it
    typed = await h.send(ADDRESS)  # she did not notice, and types the next one
    assert typed in h.request.deleted_ids()
    assert "Enter the journal's PIN" in h.last_text()
    await h.send("246813")
    assert "📝 Draft a statement" in button_texts(h.last())  # the journal's menu: nothing of the draft remains


async def test_going_elsewhere_drops_her_details_and_a_stale_button_says_so(journal_harness):
    h = journal_harness
    await two_entries(h)
    await choose_both_entries(h)
    await h.press(h.services.content.documents("en").title(DocumentKind.PROSECUTOR_COMPLAINT))
    await h.send(NAME)
    await h.send("/menu")
    assert h.app.chat_data[USER].journal.statement is None  # type: ignore[union-attr]
    await h.press("Leave blank, I will write it by hand")  # the address prompt, still in her chat
    assert "were cleared" in h.last_text() and "📝 Start again" in button_texts(h.last())
    await h.send("hello")  # no longer a detail: handled as usual
    assert "I answer with buttons" in h.last_text()


async def test_in_webhook_mode_a_typed_detail_leaves_not_even_its_sealed_update_in_the_wal(journal_harness):
    """Webhook mode seals each update into update_inbox before handling it. For an update carrying her
    detail, the WAL is checkpointed once its row is deleted: the sealed body is in no file afterwards."""
    h = journal_harness
    await two_entries(h)
    await choose_both_entries(h)
    await h.press(h.services.content.documents("en").title(DocumentKind.POLICE_STATEMENT))
    bench = WebhookBench(h)
    await bench.database.checkpoint()  # a clean start: what is in the WAL from here on is this update's
    sealed = await bench.typed(NAME)
    assert bench.checkpoints == 1 and "Detail 2 of 4" in h.last_text()
    assert sealed not in bench.files()

    # An ordinary update (a tap) costs no checkpoint.
    await bench.typed("/journal")
    assert bench.checkpoints == 1


class WebhookBench:
    """Webhook mode over the harness's application: each update sealed into update_inbox, then handled; the
    WAL checkpoints asked for afterwards are counted."""

    def __init__(self, h: JournalHarness) -> None:
        self.h, self.database, self.checkpoints = h, h.services.database, 0
        self.inbox = UpdateInbox(self.database, TEST_SECRET)
        self.webhook = Webhook(h.app, self.inbox, url="https://example.org/hook", path="/hook", secret="s",
                               allowed_updates=[], max_connections=1, durable=self.database,
                               checkpoint=self._checkpoint)  # fmt: skip

    async def _checkpoint(self) -> None:
        self.checkpoints += 1
        await self.database.checkpoint()

    async def typed(self, text: str) -> bytes:
        """She types `text`; returns its sealed body as it was stored (to search the folder for it after)."""
        update_id = next(_update_ids)
        body = json.dumps({"update_id": update_id, "message": private_text(text)}).encode()
        assert await self.inbox.add(update_id, body)
        (sealed,) = await self.database.connection.execute_fetchall(
            "SELECT body FROM update_inbox WHERE update_id = ?", (update_id,)
        )
        assert sealed[0] in self.files()  # on disk, sealed
        self.webhook.dispatcher.begin(Update.de_json(json.loads(body), self.h.app.bot))
        await self.webhook.dispatcher.drain()
        return bytes(sealed[0])

    def files(self) -> bytes:
        return data_bytes(self.database.path.parent)  # type: ignore[union-attr]


def private_text(text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": int(time.time()),
        "chat": {"id": USER, "type": "private", "first_name": "Aigerim"},
        "from": {"id": USER, "is_bot": False, "first_name": "Aigerim", "language_code": "en"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return message


def test_no_button_of_the_flow_carries_more_than_ids_and_names_of_steps():
    """The codec's statement buttons: verbs, a page, a record id, a kind, a detail's name — all under 64 bytes."""
    from bot.telegram.journal import callbacks as cb
    from bot.telegram.journal.flow import DETAILS

    longest = [
        cb.StatementToggle("f" * 32, 9999),
        *(cb.StatementKind(kind) for kind in DocumentKind),
        *(cb.StatementValue(detail, choice) for detail in DETAILS for choice in cb.DetailChoice),
        *(cb.StatementAsk(detail) for detail in DETAILS),
    ]
    for data in longest:
        assert len(data.data.encode()) <= cb.MAX_BYTES and cb.parse(data.data) == data
    assert cb.parse("1:j:sd:nonsense") == cb.StatementKind(None)
    assert cb.parse("1:j:sx:not-an-id:2") == cb.StatementToggle(cb.NO_ID, 2)


async def test_sos_on_a_question_shows_the_numbers_which_stay_and_the_statement_goes_on(journal_harness):
    h = journal_harness
    await two_entries(h)
    await choose_both_entries(h)
    await h.press(h.services.content.documents("en").title(DocumentKind.POLICE_STATEMENT))
    await h.press("🆘 SOS")
    sos_index = len(h.request.calls) - 1
    numbers = h.request.calls[sos_index].params["message_id"]
    assert "102" in h.last_text()
    typed = await h.send(NAME)  # still her name, for the statement
    assert typed in h.request.deleted_ids()
    assert "Detail 2 of 4" in h.last_text() and h.last().method == "sendMessage"  # a new question
    later = h.request.calls[sos_index + 1 :]
    assert all(call.params.get("message_id") != numbers for call in later if call.method == "editMessageText")


async def test_in_webhook_mode_a_typed_pin_leaves_not_even_its_sealed_update_in_the_wal(journal_harness):
    """Sealed with the server's key only, a PIN left in the -wal file would let whoever holds the key and a
    copy of the data folder open a journal she protected with it: the WAL is checkpointed after it too."""
    h = journal_harness
    await two_entries(h, pin="246813")
    await h.journal.unlock(h.key(), "246813")
    await h.send("/journal")
    h.journal.lock(h.key())
    await h.press("📝 Draft a statement")
    assert "Enter the journal's PIN" in h.last_text()
    bench = WebhookBench(h)
    await bench.database.checkpoint()
    sealed = await bench.typed("246813")
    assert bench.checkpoints == 1 and "before you sign" in h.last_text()  # unlocked, and on to the statement
    assert sealed not in bench.files()


async def test_she_chooses_the_documents_language_and_gets_hers_beside_it_to_read(journal_harness):
    """Documents are filed in Russian or Kazakh; in Russian, she may choose Kazakh, and the Russian PDF comes
    with it so she can read what she signs."""
    h = journal_harness
    h.language = "ru"
    await two_entries(h)
    await h.send("/journal")
    await h.press("📝 Составить заявление")
    await h.press("Выбрать записи »")
    for label in [label for label in button_texts(h.last()) if label.startswith("☐")]:
        await h.press(label)
    await h.press("Дальше: документ »")
    await h.press(h.services.content.documents("ru").title(DocumentKind.POLICE_STATEMENT))
    await h.press("Оставить всё пустым »")
    assert "Язык документа: русский" in h.last_text()
    await h.press("казахский")
    assert "Язык документа: казахский" in h.last_text() and "✓ казахский" in button_texts(h.last())
    calls_before = len(h.request.calls)
    await h.press("📄 Сделать PDF и DOCX")
    files = sent_files(h, calls_before)
    assert sorted(name.rsplit("-", 1)[1] for name in files) == ["kk.docx", "kk.pdf", "ru.pdf"]
    kazakh = next(content for name, content in files.items() if name.endswith("kk.pdf"))
    assert "АРЫЗ" in pdf_text(kazakh) and FIRST in pdf_text(kazakh)
