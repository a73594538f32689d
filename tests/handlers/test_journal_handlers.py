"""The journal's Telegram handlers through python-telegram-bot itself: real Update objects into
process_update, every Bot API call recorded (sendDocument and getFile answered, files served)."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from telegram.ext import CallbackContext

from bot.journal import parsing
from bot.journal.model import EntryFields, PinRequired
from bot.logging_setup import configure_logging
from bot.telegram import handlers
from tests.support.application import running_application
from tests.support.journal import png_bytes
from tests.support.journal_chat import OTHER, USER, JournalHarness
from tests.support.telegram import RecordingRequest, button_texts, buttons_of, callback_update

SECRET_WORDS = "he broke the door at Zhibek Zholy 7"


async def open_new_entry(h: JournalHarness) -> None:
    await h.send("/journal")
    await h.press("✏️ New entry")
    assert "When did it happen?" in h.last_text()


# ------------------------------------------------------------------------------------------ the PIN


async def test_the_pin_message_is_deleted_at_once_and_a_wrong_pin_is_counted(journal_harness, caplog):
    h = journal_harness
    await h.journal.create(h.key(), "246813")
    h.journal.lock(h.key())
    configure_logging("DEBUG")
    with caplog.at_level(logging.DEBUG):
        await h.send("/journal")
        prompt = h.request.sent_ids()[-1]
        assert "Enter the journal's PIN" in h.last_text()

        start = len(h.request.calls)
        wrong = await h.send("135791")
        after = h.request.calls[start:]
        assert after[0].method == "deleteMessage" and int(after[0].params["message_id"]) == wrong
        assert "Wrong PIN. 4 tries left" in h.last_text()
        assert not (await h.journal.status(h.key())).unlocked

        right = await h.send("246813")
        assert {wrong, right, prompt} <= h.request.deleted_ids()  # the PIN messages and the prompts
        assert "My journal" in h.last_text() and "0 entries." in h.last_text()
        assert (await h.journal.status(h.key())).unlocked
    for pin in ("135791", "246813"):
        assert pin not in caplog.text
        assert all(pin not in text for text in h.request.sent_texts())


async def test_five_wrong_pins_lock_the_journal_until_a_time_in_kazakhstan(journal_harness):
    h = journal_harness
    await h.journal.create(h.key(), "246813")
    h.journal.lock(h.key())
    await h.send("/journal")
    for _ in range(5):
        await h.send("0000")
    text = h.last_text()
    assert "Too many wrong tries. The journal is locked until" in text
    until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15)
    assert until.astimezone(dt.timezone(dt.timedelta(hours=5))).strftime("%H:") in text
    await h.send("246813")  # not taken as a PIN any more: the journal step is over
    assert not (await h.journal.status(h.key())).unlocked
    # The operator's metrics count the failures, by reason only.
    metrics = h.app.bot_data.metrics.render().decode()
    assert 'bot_journal_unlock_failures_total{reason="wrong_pin"} 4.0' in metrics
    assert 'bot_journal_unlock_failures_total{reason="locked_out"} 1.0' in metrics


async def test_setting_a_pin_warns_first_and_asks_it_twice(journal_harness):
    h = journal_harness
    await h.send("/journal")
    assert "if you forget the PIN, the entries cannot be recovered" in h.last_text()
    await h.press("Set a PIN")
    await h.send("246813")
    assert "Type the same PIN once more" in h.last_text()
    await h.send("246914")
    assert "The two PINs are different" in h.last_text()
    await h.send("246813")
    await h.send("246813")
    assert "The PIN is set." in h.last_text()
    status = await h.journal.status(h.key())
    assert status.exists and status.has_pin
    h.journal.lock(h.key())
    with pytest.raises(PinRequired):
        await h.journal.unlock(h.key())
    await h.journal.unlock(h.key(), "246813")


# ---------------------------------------------------------------------------------- the guided entry


async def test_a_date_in_the_future_is_asked_again_with_an_example(journal_harness):
    h = journal_harness
    await h.journal.create(h.key())
    await open_new_entry(h)
    example = parsing.date_example(h.journal.today())
    await h.send("01.01.2099")
    assert "That date has not come yet." in h.last_text() and example in h.last_text()
    assert {"Today", "Yesterday"} <= set(button_texts(h.last()))
    await h.send("someday")
    assert "I could not read that date." in h.last_text() and example in h.last_text()
    await h.send(example)
    assert "At what time?" in h.last_text()


async def test_an_unsupported_kind_of_message_is_answered_with_what_is_accepted(journal_harness):
    h = journal_harness
    await h.journal.create(h.key())
    await open_new_entry(h)
    await h.press("Today")
    sticker = {"file_id": "STK", "file_unique_id": "STKU", "width": 512, "height": 512, "is_animated": False,
               "is_video": False, "type": "regular"}  # fmt: skip
    await h.message(sticker=sticker)
    expected = "Here you can send text, photos, documents, voice messages and videos."
    assert expected in h.last_text()
    await h.message(location={"latitude": 43.2, "longitude": 76.9})
    assert expected in h.last_text()
    draft = await h.journal.draft(h.key())
    assert draft is not None and draft.step.value == "time" and draft.attachments == ()


async def test_a_file_over_20_mb_is_refused_with_the_limit_before_any_download(journal_harness):
    h = journal_harness
    await h.journal.create(h.key())
    await open_new_entry(h)
    await h.press("Today")
    big = {"file_id": "BIG", "file_unique_id": "BIGU", "file_name": "video.mp4", "file_size": 25 * 1024 * 1024}
    await h.message(document=big)
    assert "The file is larger than 20 MB" in h.last_text()
    assert "getFile" not in h.request.methods()


async def test_every_message_of_the_entry_is_deleted_when_it_is_saved(journal_harness, caplog):
    h = journal_harness
    await h.journal.create(h.key())
    configure_logging("DEBUG")
    with caplog.at_level(logging.DEBUG):
        await h.send("/journal")
        start = len(h.request.calls)
        await h.press("✏️ New entry")
        first_prompt = h.request.results[len(h.request.calls) - 1]["message_id"]
        await h.press("Today")
        answers = [await h.send("21:30"), await h.send("at home"), await h.send(SECRET_WORDS)]
        h.request.files["files/PH2"] = png_bytes()
        photo = [
            {"file_id": "PH1", "file_unique_id": "U1", "width": 32, "height": 24, "file_size": 50},
            {"file_id": "PH2", "file_unique_id": "U2", "width": 64, "height": 48, "file_size": 300},
        ]
        photo_message = await h.message(photo=photo, caption="bruise")
        assert h.request.downloads == ["files/PH2"]  # the largest size
        assert photo_message in h.request.deleted_ids()  # right after it was stored
        assert "Saved, encrypted: photo" in h.last_text()
        for _ in range(6):  # injuries, witnesses, children, police, medical, attachments
            await h.press("Done" if "Question 10" in h.last_text() else "Skip")
        review = h.last_text()
        assert "Check the entry." in review and SECRET_WORDS in review and "21:30" in review
        prompts = set(h.request.sent_ids()[-10:]) | {first_prompt}
        saving = len(h.request.calls)
        await h.press("Save")

    deletions = [c for c in h.request.calls[saving:] if c.method == "deleteMessages"]
    assert deletions and all(len(c.params["message_ids"]) <= 100 for c in deletions)
    deleted = h.request.deleted_ids()
    assert set(answers) <= deleted
    sent_in_flow = {
        h.request.results[i]["message_id"]
        for i in range(start, saving)
        if h.request.calls[i].method in ("sendMessage", "editMessageText")
    }
    assert sent_in_flow <= deleted and prompts <= deleted
    assert h.last_text() == "Record #1 saved."
    confirmation = h.request.sent_ids()[-1]
    assert confirmation not in deleted
    assert confirmation in await h.services.safety.messages_to_delete(USER)  # the normal wipe takes it
    (entry,) = await h.journal.entries(h.key())
    assert entry.fields is not None and entry.fields.what_happened == SECRET_WORDS
    assert [item.kind.value for item in entry.attachments] == ["photo"]
    assert SECRET_WORDS not in caplog.text and "bruise" not in caplog.text
    for call in h.request.calls:
        for button in (b for row in buttons_of(call) for b in row):
            data = button.get("callback_data") or ""
            assert len(data.encode()) <= 64 and data.isascii()
            # Nothing she typed travels in a button (ids are random hex: look for whole values, not "21").
            assert "home" not in data and "21:30" not in data and "2130" not in data


async def test_cancel_drops_the_draft_and_its_messages(journal_harness):
    h = journal_harness
    await h.journal.create(h.key())
    await open_new_entry(h)
    await h.press("Today")
    answer = await h.send("21:30")
    await h.send("/cancel")
    assert "The entry is cancelled" in h.last_text()
    assert answer in h.request.deleted_ids()
    assert await h.journal.draft(h.key()) is None
    await h.send("at home")  # no step waits any more: the usual pointer to the buttons
    assert "I answer with buttons" in h.last_text()


async def test_sos_inside_the_entry_shows_the_numbers_and_the_entry_goes_on(journal_harness):
    h = journal_harness
    await h.journal.create(h.key())
    await open_new_entry(h)
    await h.press("Today")
    await h.send("/sos")
    assert "102" in h.last_text() and "112" in h.last_text()
    await h.send("21:30")
    assert "Where did it happen?" in h.last_text()


async def test_an_idle_journal_asks_for_the_pin_and_goes_on_with_the_entry(journal_harness):
    h = journal_harness
    await h.journal.create(h.key(), "246813")
    await open_new_entry(h)
    await h.press("Today")
    h.clock.mono_now += 11 * 60  # idle longer than 10 minutes: the key is gone from memory
    await h.send("21:30")
    assert "The journal closed because it was not used for a while" in h.last_text()
    pin = await h.send("246813")
    assert pin in h.request.deleted_ids()
    assert "At what time?" in h.last_text()  # the same step again: the draft waited, encrypted
    await h.send("21:30")
    assert "Where did it happen?" in h.last_text()


async def test_after_a_restart_what_she_types_for_the_journal_is_deleted_and_never_passed_on(journal_harness):
    """The journal's place lives in memory. After a restart her next message may be her PIN or a private
    note meant for the entry: it is deleted, taken nowhere else (not to an advocate), and she is told once."""
    h = journal_harness
    await h.journal.create(h.key(), "246813")
    await open_new_entry(h)
    await h.press("Today")
    state = await h.services.users.get(h.key())
    assert state is not None and state.journal_waiting_since is not None  # noted in the database

    h.app.drop_chat_data(USER)  # what a restart forgets: her place in the journal, the open key
    h.journal.lock(h.key())
    calls_before = len(h.request.calls)
    pin = await h.send("246813")

    assert pin in h.request.deleted_ids()
    assert "lost your place in the journal" in h.last_text() and "send it again" in h.last_text()
    assert "📓 Open the journal" in button_texts(h.last())
    assert not any("246813" in json.dumps(call.params, ensure_ascii=False) for call in h.request.calls[calls_before:])
    note = await h.send("he hit me again")  # still nothing passed on until she taps a button
    assert note in h.request.deleted_ids() and "lost your place in the journal" in h.last_text()
    await h.press("☰ Menu")
    state = await h.services.users.get(h.key())
    assert state is not None and state.journal_waiting_since is None
    await h.send("hello")  # she chose where to go: her next message is handled as usual
    assert "I answer with buttons" in h.last_text()


# ---------------------------------------------------------------------------- viewing and exporting


async def test_entries_are_listed_by_date_and_open_with_every_field(journal_harness):
    h = journal_harness
    key = h.key()
    await h.journal.create(key)
    await h.journal.add_entry(key, EntryFields(dt.date(2026, 3, 8), place="kitchen", what_happened=SECRET_WORDS))
    await h.journal.add_entry(key, EntryFields(dt.date(2025, 12, 31), what_happened="older"))
    await h.send("/journal")
    await h.press("View entries")
    assert button_texts(h.last())[:2] == ["Record #2 · December 31, 2025", "Record #1 · March 8, 2026"]
    await h.press("Record #1 · March 8, 2026")
    text = h.last_text()
    assert "Record #1" in text and "Place: kitchen" in text and SECRET_WORDS in text
    assert "Injuries: not stated" in text and "Attachment: not stated" in text
    await h.press("Delete")
    await h.press("Yes, delete")
    assert "Record #1 deleted" in h.last_text()
    assert [e.number for e in await h.journal.entries(key)] == [2]


async def test_another_users_entry_id_shows_nothing(journal_harness):
    h = journal_harness
    await h.journal.create(h.key())
    entry = await h.journal.add_entry(h.key(), EntryFields(dt.date(2026, 3, 8), what_happened=SECRET_WORDS))
    await h.journal.create(h.key(OTHER))
    await h.app.process_update(callback_update(h.app, OTHER, f"1:j:e:{entry.entry_id}", "en"))
    assert "This entry is no longer in the journal." in h.last_text()
    assert all(SECRET_WORDS not in text for text in h.request.sent_texts())


async def test_the_export_is_a_protected_document_with_a_neutral_name_deleted_later(journal_harness, settings):
    h = journal_harness
    await h.journal.create(h.key())
    await h.journal.add_entry(h.key(), EntryFields(dt.date(2026, 3, 8), what_happened=SECRET_WORDS))
    await h.send("/journal")
    await h.press("Export PDF")
    index, call = next((i, c) for i, c in enumerate(h.request.calls) if c.method == "sendDocument")
    assert call.params["protect_content"] is True
    (filename, content, _mime) = next(iter(h.request.uploads[index].values()))
    assert filename.startswith("notes-") and filename.endswith(".pdf")
    assert content.startswith(b"%PDF")
    message_id = h.request.results[index]["message_id"]
    assert message_id in await h.services.safety.messages_to_delete(USER)
    # The deletion waits in the database, not in the job queue's memory: a restart cannot lose it.
    assert [job for job in h.app.job_queue.jobs() if "export" in job.callback.__name__] == []
    safety = h.services.safety
    assert await safety.due_deletions() == []  # not yet
    started = safety.clock()
    safety.clock = lambda: started + settings.journal_export_delete_minutes * 60 + 1
    try:
        # A new application on the same data, as after a restart: its repeating job finds the export due.
        async with running_application(settings, h.services, RecordingRequest()) as restarted:
            request = restarted.bot.request  # the new process's own view of Telegram
            await handlers.auto_wipe(CallbackContext(restarted))
        assert [(c.method, c.params.get("message_id")) for c in request.calls if c.method == "deleteMessage"] == [
            ("deleteMessage", message_id)
        ]
        assert await safety.due_deletions() == []  # done once, not again
    finally:
        safety.clock = lambda: started


# --------------------------------------------------------------------------------------- elsewhere


async def test_journal_in_a_group_is_ignored_and_creates_nothing(journal_harness):
    h = journal_harness
    await h.send("/journal", chat_type="supergroup", chat_id=-1001234567890)
    assert [c for c in h.request.calls if c.method == "sendMessage"] == []  # not even a refusal in a group
    assert not (await h.journal.status(h.key())).exists
    await h.app.process_update(callback_update(h.app, USER, "1:j:mk:none", "en"))  # a private button still works
    assert (await h.journal.status(h.key())).exists


async def test_exit_locks_the_journal_and_ends_its_step(journal_harness):
    h = journal_harness
    await h.journal.create(h.key(), "246813")
    await open_new_entry(h)
    await h.press("✖ Exit")
    assert not (await h.journal.status(h.key())).unlocked
    await h.send("at home")
    assert "I answer with buttons" in h.last_text()


async def test_the_pin_can_be_changed_and_removed_with_the_current_one(journal_harness):
    h = journal_harness
    await h.journal.create(h.key(), "246813")
    await h.send("/journal")
    await h.press("Change the PIN")
    await h.send("1111")
    assert "Wrong PIN. 4 tries left" in h.last_text()
    await h.send("246813")
    assert "Type the PIN you want" in h.last_text()
    await h.send("975310")
    await h.send("975310")
    assert "The PIN is changed." in h.last_text()
    h.journal.lock(h.key())
    await h.journal.unlock(h.key(), "975310")
    await h.send("/journal")
    await h.press("Remove the PIN")
    current = await h.send("975310")
    assert current in h.request.deleted_ids()
    assert "The PIN is removed." in h.last_text() and "Set a PIN" in button_texts(h.last())
    assert not (await h.journal.status(h.key())).has_pin


async def test_a_correction_starts_from_the_review_and_is_added_as_a_new_record(journal_harness):
    h = journal_harness
    await h.journal.create(h.key())
    await h.journal.add_entry(h.key(), EntryFields(dt.date(2026, 3, 8), place="kitchen"))
    await h.send("/journal")
    await h.press("View entries")
    await h.press("Record #1 · March 8, 2026")
    await h.press("Correct")
    assert "Check the entry." in h.last_text() and "Correction of record #1" in h.last_text()
    await h.press("Change an answer")
    await h.press("Place")
    assert "Now: kitchen" in h.last_text()
    await h.send("hallway")
    assert "Check the entry." in h.last_text() and "Place: hallway" in h.last_text()
    await h.press("Save")
    assert h.last_text() == "Record #2 saved."
    (current,) = await h.journal.entries(h.key(), current_only=True)
    assert current.number == 2 and current.fields is not None and current.fields.place == "hallway"


# ------------------------------------------------------------------------------- delete everything


async def test_delete_everything_offers_to_export_the_journal_first_and_deletes_only_on_the_second_yes(journal_harness):
    h = journal_harness
    await h.journal.create(h.key())
    await h.journal.add_entry(h.key(), EntryFields(dt.date(2026, 3, 8), place="kitchen"))

    await h.send("/forget")
    assert "your journal — every entry, photo and file" in h.last_text()
    await h.press("📓 Save my journal first (PDF)")
    document = h.request.last("sendDocument")
    assert document.params["protect_content"] is True  # the evidence leaves as a protected PDF
    assert await h.journal.exists(h.key())  # exporting deleted nothing

    await h.send("/forget")
    await h.press("Next")
    assert "Last step" in h.last_text()
    assert await h.journal.exists(h.key())  # still nothing deleted before the final yes
    await h.press("Yes, delete everything for good")
    assert not await h.journal.exists(h.key())


async def test_deleting_the_whole_journal_offers_its_export_first(journal_harness):
    h = journal_harness
    await h.journal.create(h.key())
    await h.send("/journal")
    await h.press("Delete everything")
    assert "Delete the whole journal" in h.last_text()
    assert "Export PDF" in button_texts(h.last())
