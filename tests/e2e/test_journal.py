"""End to end, the real bot process against the simulator: an incident journal entry with files, nothing
readable left on disk, the PDF export in Kazakh, and a PIN that keeps the journal shut."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import httpx
from pypdf import PdfReader

from bot.simulator import Simulator, make_png
from tests.support.chatting import say, step
from tests.support.process import START_TIMEOUT, stop

KAZAKH_LETTERS = "ә ғ қ ң ө ұ ү һ і"


async def download(sim: Simulator, file_id: str) -> bytes:
    async with httpx.AsyncClient() as client:
        found = await client.post(f"{sim.base_url}/bot{sim.token}/getFile", data={"file_id": file_id})
        file_path = found.json()["result"]["file_path"]
        return (await client.get(f"{sim.file_base_url}{sim.token}/{file_path}")).content


def files_containing(folder: Path, *needles: bytes) -> list[str]:
    """Every file under the folder (database, -wal, -shm, journal files) holding any of the needles."""
    return [
        str(path.relative_to(folder))
        for path in sorted(folder.rglob("*"))
        if path.is_file() and any(needle in path.read_bytes() for needle in needles)
    ]


async def test_an_entry_with_a_photo_leaves_nothing_readable_and_exports_a_kazakh_pdf(
    sim, start_bot, data_dir, bot_log
):
    unique = "UNIQ" + secrets.token_hex(8)
    what_happened = f"{unique} {KAZAKH_LETTERS}"
    file_name = f"evidence-{secrets.token_hex(6)}.png"
    she = sim.add_user(first_name="Aruzhan", language_code="kk")
    process = await start_bot()
    await she.send_text("/journal")
    offer = await she.wait_reply(timeout=START_TIMEOUT)
    assert "PIN-кодты ұмытсаңыз" in offer.text
    await step(she, "PIN-кодсыз")
    prompt = await step(she, "✏️ Жаңа жазба")
    assert "Бұл қашан болды?" in prompt.text and "Сұрақ 1 / 10" in prompt.text
    await step(she, "Бүгін")
    await step(she, "Өткізу")  # the time
    await say(she, "үйде, ас үйде")
    assert "Жарақат" in (await say(she, what_happened)).text
    await step(she, "Өткізу")  # injuries
    await step(she, "Өткізу")  # witnesses
    await step(she, "Жоқ")  # children
    await step(she, "Өткізу")  # police
    attachments = await step(she, "Өткізу")  # medical
    assert "20 МБ" in attachments.text
    photo = await she.send_photo(make_png(40, 30))
    assert "Шифрланып сақталды" in (await she.wait_reply()).text
    document = await she.send_document(make_png(8, 8), filename=file_name)
    await she.wait_reply()
    assert photo.message_id not in [m.message_id for m in she.messages]  # deleted once stored
    assert document.message_id not in [m.message_id for m in she.messages]
    review = await step(she, "Дайын")
    assert unique in review.text and file_name in review.text
    saved = await step(she, "Сақтау")
    assert saved.text == "№1 жазба сақталды."
    await sim.wait_until(lambda: all(unique not in (m.text or "") for m in she.messages), timeout=5)
    # Left in the chat: her /journal, the offer turned into the menu… and the confirmation.
    assert [m.text for m in she.messages if not m.from_bot] == ["/journal"]
    assert [m.text for m in she.messages if m.from_bot][-1] == "№1 жазба сақталды."

    # Nothing she typed or sent is readable anywhere under BOT_DATA_DIR, while the bot runs…
    secrets_on_disk = (unique.encode(), what_happened.encode(), file_name.encode())
    assert files_containing(data_dir, *secrets_on_disk) == []
    assert list((data_dir / "journal").iterdir())  # the two files are there, encrypted

    await step(she, "📓 Күнделік")
    await she.press("PDF алу")
    exported = await she.wait_reply()
    assert exported.media == "document" and exported.protect_content
    name = exported.raw["document"]["file_name"]
    assert name.endswith(".pdf") and unique not in name and "Aruzhan" not in name
    pdf = await download(sim, exported.file_ids[0])
    assert await stop(process) == 0
    # …and after it stopped; nor in its log.
    assert files_containing(data_dir, *secrets_on_disk) == []
    assert unique not in bot_log.read_text(encoding="utf-8") and file_name not in bot_log.read_text(encoding="utf-8")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert unique in text
    for letter in KAZAKH_LETTERS.split():
        assert letter in text, letter
    assert "Оқиғалар күнделігі" in text


async def test_a_journal_with_a_pin_opens_for_nobody_else_and_not_without_the_pin(sim, start_bot):
    she = sim.add_user(first_name="Dana", language_code="en")
    other = sim.add_user(first_name="Someone", language_code="en")
    process = await start_bot()
    await she.send_text("/journal")
    await she.wait_reply(timeout=START_TIMEOUT)
    await step(she, "Set a PIN")
    assert "Type the same PIN" in (await say(she, "246813")).text
    assert "The PIN is set." in (await say(she, "246813")).text
    await step(she, "✏️ New entry")
    await step(she, "Today")
    await say(she, "21:30")
    await say(she, "at my sister's")
    for _ in range(7):
        await step(she, "Skip")
    assert (await step(she, "Save")).text == "Record #1 saved."
    assert await stop(process) == 0

    # A new process: no key in memory.
    process = await start_bot()
    await other.send_text("/journal")
    offer = await other.wait_reply(timeout=START_TIMEOUT)
    assert "You can put a PIN on the journal" in offer.text  # a journal of her own to create, nothing else
    menu = await step(other, "Without a PIN")
    assert "0 entries." in menu.text and "View entries" not in menu.button_texts()

    journal_button = await she.press("📓 Journal")  # on the confirmation left from before
    await journal_button.wait_answer()
    asked = await she.wait_reply()
    assert "Enter the journal's PIN" in asked.text and "1 entry" not in asked.text
    wrong = await she.send_text("1111")
    assert "Wrong PIN. 4 tries left" in (await she.wait_reply()).text
    assert wrong.message_id not in [m.message_id for m in she.messages]
    await she.send_text("/journal")
    assert "Enter the journal's PIN" in (await she.wait_reply()).text
    await she.send_text("246813")
    opened = await she.wait_replies()
    assert any("1 entry." in (m.text or "") for m in opened)
    assert all("246813" not in (m.text or "") for m in she.messages)
    assert await stop(process) == 0


async def test_a_bot_killed_in_the_middle_of_an_entry_deletes_its_prompt_and_her_answer_when_she_is_back(
    sim, start_bot
):
    """Issue 13, item 10: the flow's message ids are in the database, not only in the process's memory."""
    private = "he took my passport " + secrets.token_hex(4)
    she = sim.add_user(first_name="Dana", language_code="en")
    process = await start_bot()
    await she.send_text("/journal")
    await she.wait_reply(timeout=START_TIMEOUT)
    await step(she, "Without a PIN")
    await step(she, "✏️ New entry")
    await step(she, "Today")
    await step(she, "Skip")  # the time
    await step(she, "Skip")  # the place
    answer = await she.send_text(private)
    prompt = await she.wait_reply()
    assert "Any injuries or pain?" in prompt.text
    # Killed once her answer is handled (the bot confirms an update only then); a kill before that is
    # test_crashes.py's matter: the update comes again after the restart.
    await sim.wait_until(lambda: not sim.pending_updates, timeout=10)
    process.kill()  # SIGKILL: no shutdown of any kind
    await process.wait()

    await start_bot()
    hello = await she.send_text("hi")
    await she.wait_reply(timeout=START_TIMEOUT)
    on_screen = [m.message_id for m in she.messages]
    assert answer.message_id not in on_screen and prompt.message_id not in on_screen
    assert hello.message_id not in on_screen  # while the journal waited for her typing (the existing guard)
    assert all(private not in (m.text or "") for m in she.messages)
    assert all("Any injuries" not in (m.text or "") for m in she.messages)
    # The entry itself was not lost: it waited, encrypted.
    await step(she, "📓 Open the journal")
    resumed = await step(she, "Continue the entry")
    assert "Any injuries or pain?" in resumed.text
