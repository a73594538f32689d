"""The danger check through python-telegram-bot itself: she walks the questions from the menu, the result names
what she marked with what to do now, nothing of her answers is written anywhere unless she saves the result in
her journal, and leaving the check (or Exit, or the wipe) drops them."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from telegram.ext import CallbackContext

from bot.danger.model import SIGNS
from bot.logging_setup import configure_logging
from bot.telegram import handlers
from tests.support.journal_chat import USER, JournalHarness
from tests.support.telegram import button_texts, buttons_of

# Words of the answers as the bot writes them: none may reach the database, its log or the log file.
SIGN_WORDS = ("choking", "strangl", "choked", "danger_check_choking", "душили")
ALLOWED_TO_CHANGE = {"users", "chat_messages", "wipe_schedule", "screen_views"}  # the usual ids and counts


async def tables(h: JournalHarness) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the bot's database."""
    await h.services.usage.flush()
    connection = h.services.database.connection
    async with connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        names = [row[0] for row in await cursor.fetchall()]
    found = {}
    for name in names:
        async with connection.execute(f"SELECT * FROM {name}") as cursor:  # names from sqlite_master
            found[name] = sorted(map(tuple, await cursor.fetchall()), key=repr)
    return found


def data_bytes(folder: Path) -> bytes:
    """Everything the bot wrote to its data folder: the database, its WAL, the journal's files."""
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


async def start_check(h: JournalHarness) -> None:
    """From the main menu: the danger signs, "check my situation", Start."""
    await h.send("/menu")
    await h.press("⚠ Danger signs")
    await h.press("☑ Check my situation")
    assert "Your answers are not recorded anywhere" in h.last_text()
    await h.press("Start")
    assert "Question 1 of 8" in h.last_text()


async def answer_all(h: JournalHarness, *answers: str) -> None:
    for answer in answers:
        await h.press(answer)


async def test_strangulation_marked_shows_the_doctor_and_102_and_stores_nothing(journal_harness, settings, caplog):
    h = journal_harness
    configure_logging("DEBUG")
    await h.send("/start")
    before = await tables(h)
    with caplog.at_level(logging.DEBUG):
        await start_check(h)
        assert "choked or strangled" in h.last_text()
        await answer_all(h, "Yes", *["No"] * (len(SIGNS) - 1))

    result = h.last_text()
    assert "You were choked or strangled" in result
    assert "See a doctor, even if you feel it has passed, and say that you were strangled" in result
    assert "call 102 or 112" in result
    assert "low risk" not in result.lower() and not re.search(r"\b\d\s*(of|/)\s*8\b", result)
    assert "You were threatened with a weapon" not in result  # only what she marked
    offered = {"📓 Save in my journal", "🛡 Write my own plan", "Safety plan", "💬 Talk to a person", "Sources",
               "☰ Menu", "🆘 SOS", "✖ Exit"}  # fmt: skip
    assert set(button_texts(h.last())) == offered
    # Every message of the check was sent protected from forwarding; her answers are never in a button's data.
    assert all(c.params.get("protect_content") for c in h.request.calls if c.method == "sendMessage")
    check_data = [b["callback_data"] for c in h.request.calls for row in buttons_of(c) for b in row
                  if b.get("callback_data", "").startswith("1:d:")]  # fmt: skip
    assert check_data and all(re.fullmatch(r"1:d:(q:\d|a:\d:[yns]|r|src|save)", data) for data in check_data)

    after = await tables(h)
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    assert changed <= ALLOWED_TO_CHANGE, changed
    counted = {row[2] for row in after["screen_views"]}
    assert counted <= {"welcome", "menu", "danger", "danger_check"}  # content screens only, never a sign
    await h.services.database.durable()  # as the poll loop does before confirming: all of it on disk now
    stored = data_bytes(settings.data_dir)
    logged = caplog.text
    for word in SIGN_WORDS:
        assert word.encode() not in stored and word not in logged


async def test_no_sign_marked_still_shows_the_emergency_numbers_and_never_low_risk(journal_harness):
    h = journal_harness
    await start_check(h)
    await answer_all(h, *["No"] * 6, "Skip", "No")
    result = h.last_text()
    assert "You did not mark any of the signs" in result
    assert "That does not mean you are safe. Any violence is dangerous." in result
    assert "102" in result and "112" in result and "111" in result
    assert "low risk" not in result.lower()


async def test_each_question_keeps_the_way_out_and_going_back_shows_her_answer(journal_harness):
    h = journal_harness
    await start_check(h)
    assert button_texts(h.last()) == ["Yes", "No", "Skip", "☰ Menu", "🆘 SOS", "✖ Exit"]
    await h.press("Yes")
    assert "Question 2 of 8" in h.last_text()
    assert "◀ Previous question" in button_texts(h.last())
    await h.press("◀ Previous question")
    assert "Question 1 of 8" in h.last_text()
    assert button_texts(h.last())[:3] == ["✓ Yes", "No", "Skip"]
    await h.press("No")  # a changed mind
    await answer_all(h, *["No"] * (len(SIGNS) - 1))
    assert "You did not mark any of the signs" in h.last_text()


async def test_the_result_sources_are_one_tap_away_and_lead_back(journal_harness):
    h = journal_harness
    await start_check(h)
    await answer_all(h, "Yes", *["No"] * (len(SIGNS) - 1))
    await h.press("Sources")
    sources = h.last_text()
    assert "Glass N" in sources or "strangulation" in sources.lower()
    await h.press("« Back")
    assert "You were choked or strangled" in h.last_text()


async def test_leaving_the_result_drops_the_answers(journal_harness):
    h = journal_harness
    await start_check(h)
    await answer_all(h, "Yes", *["No"] * (len(SIGNS) - 1))
    assert h.app.chat_data[USER].danger is not None
    await h.press("☰ Menu")
    assert h.app.chat_data[USER].danger is None
    await h.press("📓 Save in my journal")  # the old result's button, still in the chat
    assert "The answers of this check are gone" in h.last_text()
    assert "Danger signs check" in h.last_text() and "Start" in button_texts(h.last())
    assert not await h.journal.exists(h.key())


async def test_a_command_exit_and_the_automatic_wipe_drop_the_answers(journal_harness):
    h = journal_harness
    await start_check(h)
    await h.press("Yes")
    await h.send("/sos")
    assert h.app.chat_data[USER].danger is None

    await h.press("Start")
    await h.press("Yes")
    await h.press("✖ Exit")
    assert h.app.chat_data[USER].danger is None

    await h.press("Start")
    await h.press("Yes")
    safety = h.services.safety
    started = safety.clock
    safety.clock = lambda: started() + 3601  # the default wipe time is one hour
    try:
        await handlers.auto_wipe(CallbackContext(h.app))
    finally:
        safety.clock = started
    assert h.app.chat_data[USER].danger is None


async def test_saving_the_result_creates_an_encrypted_journal_entry_with_the_signs(journal_harness, settings):
    h = journal_harness
    await start_check(h)
    await answer_all(h, "Yes", "No", "No", "No", "Yes", *["No"] * (len(SIGNS) - 5))
    await h.press("📓 Save in my journal")
    assert "No journal yet" in h.last_text() or "Without a PIN" in button_texts(h.last())  # the journal's own path
    await h.press("Without a PIN")
    assert "The result is saved in your journal, encrypted: record #1" in h.last_text()
    assert h.app.chat_data[USER].danger is None  # saved: nothing of it stays in memory

    (entry,) = await h.journal.entries(h.key())
    assert entry.fields is not None and entry.fields.occurred_on == h.journal.today()
    assert entry.fields.what_happened == (
        "Danger signs check in the bot (not a risk assessment). "
        "Marked: choked or strangled; followed or tracked (stalking)."
    )
    assert b"choked or strangled" not in data_bytes(settings.data_dir)  # encrypted like every entry


async def test_saving_with_a_locked_journal_asks_for_the_pin_then_saves(journal_harness):
    h = journal_harness
    await h.journal.create(h.key(), "246813")
    h.journal.lock(h.key())
    await start_check(h)
    await answer_all(h, *["No"] * (len(SIGNS) - 1), "Yes")
    await h.press("📓 Save in my journal")
    assert "Enter the journal's PIN" in h.last_text()
    assert h.app.chat_data[USER].danger is not None  # still waiting to be saved
    pin_message = await h.send("246813")
    assert pin_message in h.request.deleted_ids()
    assert "The result is saved in your journal, encrypted: record #1" in h.last_text()
    (entry,) = await h.journal.entries(h.key())
    assert entry.fields is not None and entry.fields.what_happened is not None
    assert "a child at home who is not this person's own" in entry.fields.what_happened
    await h.press("📓 My journal")
    assert "1 entry." in h.last_text()


async def test_a_wrong_way_while_saving_saves_nothing(journal_harness):
    h = journal_harness
    await h.journal.create(h.key(), "246813")
    h.journal.lock(h.key())
    await start_check(h)
    await answer_all(h, "Yes", *["No"] * (len(SIGNS) - 1))
    await h.press("📓 Save in my journal")
    await h.send("/menu")  # she left instead of typing the PIN
    assert h.app.chat_data[USER].danger is None
    await h.send("/journal")
    await h.send("246813")
    assert "My journal" in h.last_text() and "0 entries." in h.last_text()
    assert await h.journal.entries(h.key()) == []


async def test_the_check_is_reachable_from_the_safety_plan_and_the_journal_menu(journal_harness):
    h = journal_harness
    await h.send("/menu")
    await h.press("Safety plan")
    await h.press("☑ Check the danger signs")
    assert "Danger signs check" in h.last_text()
    await h.send("/journal")
    await h.press("Without a PIN")
    await h.press("☑ Check the danger signs")
    assert "Danger signs check" in h.last_text()
    await h.press("Start")
    assert "Question 1 of 8" in h.last_text()


async def test_kazakh_questions_and_result(journal_harness):
    h = journal_harness
    h.language = "kk"
    await h.send("/menu")
    await h.press("⚠ Қауіп белгілері")
    await h.press("☑ Жағдайымды тексеру")
    await h.press("Бастау")
    assert "Сұрақ 1 / 8" in h.last_text()
    await answer_all(h, "Иә", *["Жоқ"] * (len(SIGNS) - 1))
    result = h.last_text()
    assert "дәрігерге көрініп" in result and "102" in result
    assert "📓 Күнделікке сақтау" in button_texts(h.last())


async def test_saving_creates_a_journal_with_a_pin_when_she_chooses_one(journal_harness):
    h = journal_harness
    await start_check(h)
    await answer_all(h, "No", "Yes", *["No"] * (len(SIGNS) - 2))
    await h.press("📓 Save in my journal")
    await h.press("Set a PIN")
    await h.send("246813")
    await h.send("246813")
    assert "The result is saved in your journal, encrypted: record #1" in h.last_text()
    assert (await h.journal.status(h.key())).has_pin
    (entry,) = await h.journal.entries(h.key())
    assert entry.fields is not None and entry.fields.what_happened is not None
    assert "threatened with a weapon" in entry.fields.what_happened
