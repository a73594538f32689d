"""End to end, the real bot process against the simulator: a statement to the police drafted from two journal
entries with a file each, in Russian and in Kazakh. The PDF (pypdf) and the DOCX (python-docx) hold both
entries' texts, dates and file hashes and the name she typed; afterwards neither her name nor her address is
anywhere under the data folder (database, -wal, -shm, journal files) or in the bot's log."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import secrets

import docx
from pypdf import PdfReader

from bot.config import load_settings
from bot.content.documents import DocumentKind
from bot.content.store import ContentStore
from bot.features import UI_KEYS
from bot.simulator import SimMessage, Simulator, SimUser
from bot.timezone import ALMATY
from tests.e2e.test_journal import download, files_containing
from tests.support.chatting import say
from tests.support.chatting import step as tap_and_wait
from tests.support.process import START_TIMEOUT, stop

BUTTONS = {
    "ru": {
        "no_pin": "Без PIN-кода", "new": "✏️ Новая запись", "skip": "Пропустить", "no": "Нет", "done": "Готово",
        "save": "Сохранить", "journal": "📓 Дневник", "statement": "📝 Составить заявление",
        "choose": "Выбрать записи »", "next": "Дальше: документ »", "blank": "Оставить пустым, впишу от руки",
        "default": "Стандартная строка", "make": "📄 Сделать PDF и DOCX",
    },
    "kk": {
        "no_pin": "PIN-кодсыз", "new": "✏️ Жаңа жазба", "skip": "Өткізу", "no": "Жоқ", "done": "Дайын",
        "save": "Сақтау", "journal": "📓 Күнделік", "statement": "📝 Арыз жазу",
        "choose": "Жазбаларды таңдау »", "next": "Әрі қарай: құжат »", "blank": "Бос қалдыру, қолмен жазамын",
        "default": "Стандартты жол", "make": "📄 PDF және DOCX жасау",
    },
}  # fmt: skip
NAMES = {"ru": "Иванова Мария Петровна", "kk": "Сәрсенова Айгерім Нұрланқызы"}
ADDRESSES = {"ru": "г. Алматы, ул. Абая 10, кв. 5", "kk": "Алматы қ., Абай даңғылы 12, 7-пәтер"}
TEXTS = {
    "ru": ("толкнул меня на кухне, я ударилась о стену", "сломал мой телефон и угрожал"),
    "kk": ("ас үйде итеріп жіберді, қабырғаға соғылдым", "телефонымды сындырып, қорқытты"),
}


PACE = 0.3  # seconds before each tap: the bot slows down anyone tapping more than 20 times in 5 seconds


async def step(user: SimUser, button: str) -> SimMessage:
    """Tap at a person's pace and wait for the answer."""
    await asyncio.sleep(PACE)
    return await tap_and_wait(user, button)


def one_line(text: str) -> str:
    """Lines joined with single spaces: a narrow column wraps a long line; some dates hold a narrow space."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def pdf_text(data: bytes) -> str:
    return one_line("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return one_line("\n".join(parts))


async def write_entry(she: SimUser, b: dict[str, str], day: dt.date, what: str, file: bytes, name: str) -> None:
    """One entry through the journal's questions: a date, a place, what happened, a file; the rest skipped."""
    await step(she, b["new"])
    await say(she, day.strftime("%d.%m.%Y"))
    await step(she, b["skip"])  # the time
    await say(she, "дома")  # the place
    await say(she, what)
    for _ in range(2):  # injuries, witnesses
        await step(she, b["skip"])
    await step(she, b["no"])  # children
    await step(she, b["skip"])  # police
    await step(she, b["skip"])  # medical visit: the attachments' step follows
    await she.send_document(file, filename=name, mime_type="application/pdf")
    await she.wait_reply()
    await step(she, b["done"])  # the review
    await step(she, b["save"])


async def test_statements_in_russian_and_kazakh_hold_both_entries_and_her_name_and_leave_nothing_behind(
    sim: Simulator, start_bot, data_dir, bot_log
):
    content = ContentStore.load(load_settings().content_dir, UI_KEYS)
    today = dt.datetime.now(ALMATY).date()
    days = (today - dt.timedelta(days=40), today - dt.timedelta(days=3))
    typed: list[bytes] = []
    process = await start_bot()
    for language in ("ru", "kk"):
        b = BUTTONS[language]
        mark = secrets.token_hex(4)
        name, address = f"{NAMES[language]} N{mark}", f"{ADDRESSES[language]} A{mark}"
        typed += [name.encode(), address.encode(), f"N{mark}".encode(), f"A{mark}".encode()]
        files = [b"%PDF-1.4 certificate " + secrets.token_bytes(16), b"%PDF-1.4 screenshot " + secrets.token_bytes(16)]
        she = sim.add_user(first_name="Aruzhan", language_code=language)
        await she.send_text("/journal")
        await she.wait_reply(timeout=START_TIMEOUT)
        await step(she, b["no_pin"])
        for day, what, file in zip(days, TEXTS[language], files, strict=True):
            await write_entry(she, b, day, what, file, f"file-{secrets.token_hex(3)}.pdf")
            await step(she, b["journal"])

        # The statement: intro, the entries (newest first), the document, her name and address; the phone blank.
        await step(she, b["statement"])
        chooser = await step(she, b["choose"])
        unchosen = [text for text in chooser.button_texts() if text.startswith("☐")]
        assert len(unchosen) == 2
        for label in unchosen:
            await step(she, label)
        kinds = await step(she, b["next"])
        title = content.documents(language).title(DocumentKind.POLICE_STATEMENT)
        assert title in kinds.button_texts()
        await step(she, title)
        await say(she, name)
        await say(she, address)
        await step(she, b["blank"])  # the phone: written by hand
        ready = await step(she, b["default"])  # to whom: the template's own line
        assert name not in (ready.text or "") and address not in (ready.text or "")
        await she.press(b["make"])
        replies = await she.wait_replies(timeout=30, quiet=1.0)
        documents: list[SimMessage] = [m for m in replies if m.media == "document"]
        assert len(documents) == 2 and all(m.protect_content for m in documents)
        names = sorted(m.raw["document"]["file_name"] for m in documents)
        assert names[0].endswith(".docx") and names[1].endswith(".pdf")
        assert all(name not in n and mark not in n for n in names)
        by_ext = {m.raw["document"]["file_name"].rsplit(".", 1)[1]: m for m in documents}
        pdf = await download(sim, by_ext["pdf"].file_ids[0])
        document = await download(sim, by_ext["docx"].file_ids[0])

        ui = content.ui(language)
        for text in (pdf_text(pdf), docx_text(document)):
            assert name in text, language
            assert address in text, language
            for what in TEXTS[language]:
                assert what in text, (language, what)
            for day in days:
                assert one_line(ui.date(day)) in text, (language, day)
            for file in files:  # a hash may wrap over two lines of a table cell
                assert hashlib.sha256(file).hexdigest() in text.replace(" ", ""), language
        # What she typed left her chat as soon as it was read; nothing the bot shows repeats it.
        assert all(name not in (m.text or "") and address not in (m.text or "") for m in she.messages)

    # Nothing she typed is anywhere under BOT_DATA_DIR, while the bot runs…
    assert files_containing(data_dir, *typed) == []
    assert await stop(process) == 0
    # …and after it stopped (the WAL checkpointed into the database); nor in its log, at DEBUG.
    assert files_containing(data_dir, *typed) == []
    log = bot_log.read_bytes()
    assert all(needle not in log for needle in typed)
