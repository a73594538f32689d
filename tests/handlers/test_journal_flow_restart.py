"""The journal flow's messages outlive a restart (issue 13, item 10): their ids are in the database, so the first
thing she does after the bot started again deletes the prompts and answers a flow left in her chat. Through
PTB with a recording request; `drop_chat_data` and a locked key are what a restart leaves."""

from __future__ import annotations

from tests.support.journal_chat import USER, JournalHarness


async def flow_rows(h: JournalHarness) -> list[tuple[int, str]]:
    async with h.services.database.connection.execute(
        "SELECT message_id, kind FROM journal_flow_messages WHERE user_key = ? ORDER BY message_id", (h.key(),)
    ) as cursor:
        return [(row[0], row[1]) for row in await cursor.fetchall()]


def restart(h: JournalHarness) -> None:
    h.app.drop_chat_data(USER)  # her place in the journal, in memory, is gone
    h.journal.lock(h.key())  # and so is the open key


async def start_entry_and_answer(h: JournalHarness, answer: str) -> tuple[int, int]:
    """The entry at its third step with one typed answer: (the prompt's message id, her answer's)."""
    await h.journal.create(h.key())
    await h.send("/journal")
    await h.press("✏️ New entry")
    await h.press("Today")
    await h.press("Skip")  # the time
    assert "Where did it happen?" in h.last_text()
    typed = await h.send(answer)
    assert "What happened?" in h.last_text()
    return h.request.sent_ids()[-1], typed


async def test_a_restart_in_the_middle_of_an_entry_leaves_neither_prompt_nor_answer_in_her_chat(journal_harness):
    h = journal_harness
    prompt, answer = await start_entry_and_answer(h, "at my sister's")
    tracked = {message_id for message_id, _ in await flow_rows(h)}
    assert {prompt, answer} <= tracked  # written as they were sent and received, ids only

    restart(h)
    await h.send("hello")  # the first thing she does after the restart

    assert {prompt, answer} <= h.request.deleted_ids()
    assert tracked <= h.request.deleted_ids()
    assert await flow_rows(h) == []
    assert "lost your place in the journal" in h.last_text()  # and what she wrote now went nowhere either
    # Nothing of the entry was lost: the draft waited, encrypted, and goes on where it was.
    await h.press("📓 Open the journal")
    await h.press("Continue the entry")
    assert "What happened?" in h.last_text()


async def test_after_a_restart_a_tap_on_the_old_prompt_deletes_her_answer_and_turns_the_prompt_into_the_next(
    journal_harness,
):
    h = journal_harness
    earlier = h.request.sent_ids()
    prompt, answer = await start_entry_and_answer(h, "in the kitchen")
    restart(h)
    await h.press("Skip")  # on the old prompt, still on her screen
    assert answer in h.request.deleted_ids()
    edit = h.last()
    assert edit.method == "editMessageText" and int(edit.params["message_id"]) == prompt
    assert "Any injuries or pain?" in h.last_text()  # the step was taken: the draft waited
    # Every other message of the flow went; the prompt is the flow's again, and only it.
    assert set(h.request.sent_ids()) - set(earlier) - {prompt} <= h.request.deleted_ids()
    assert await flow_rows(h) == [(prompt, "entry")]


async def test_a_pin_prompt_left_by_a_restart_goes_and_the_emergency_numbers_she_tapped_stay(journal_harness):
    h = journal_harness
    await h.journal.create(h.key(), "246810")
    h.journal.lock(h.key())
    await h.send("/journal")
    prompt = h.request.sent_ids()[-1]
    assert "Enter the journal's PIN" in h.last_text()
    assert await flow_rows(h) == [(prompt, "pin")]
    restart(h)
    await h.send("/start")
    assert prompt in h.request.deleted_ids() and await flow_rows(h) == []

    # Again, but this time she taps SOS on the prompt: it becomes the emergency numbers and is not deleted.
    await h.send("/journal")
    prompt = h.request.sent_ids()[-1]
    restart(h)
    await h.press("🆘 SOS")
    assert prompt not in h.request.deleted_ids()
    assert await flow_rows(h) == []


async def test_saving_exit_and_forget_leave_no_flow_rows(journal_harness):
    h = journal_harness
    await start_entry_and_answer(h, "at home")
    for _ in range(7):
        await h.press("Skip")
    await h.press("Save")
    assert h.last_text() == "Record #1 saved." and await flow_rows(h) == []

    await h.press("📓 Journal")
    await h.press("✏️ New entry")
    assert await flow_rows(h) != []
    await h.send("/exit")  # the wipe empties the chat: the flow's ids go with the others
    assert await flow_rows(h) == []

    await h.send("/journal")
    await h.press("Continue the entry")  # the draft Exit left waiting
    assert await flow_rows(h) != []
    await h.services.forget(USER)
    assert await flow_rows(h) == []
