"""Her own safety plan (issue 15, part 2), through PTB: typed step by step inside the journal, her messages
deleted as soon as they are stored, nothing readable in the data folder, the plan in the journal's PDF, and the
danger check's result putting the steps it calls for first."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.journal.model import JournalLocked
from bot.journal.plan import MAX_ANSWER_CHARS, PlanStep
from tests.support.journal_chat import JournalHarness
from tests.support.telegram import button_texts

TRUSTED = "Aunt Saule PLANWORD-7f3a"
CODE_WORD = "yellow umbrella PLANWORD-91c2"


def data_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


async def test_she_writes_her_plan_step_by_step_and_it_is_in_the_journals_pdf(journal_harness: JournalHarness):
    h = journal_harness
    await h.journal.create(h.key())
    await h.send("/journal")
    await h.press("🛡 My safety plan")
    assert "Your own plan, in your words" in h.last_text() and "not written yet" in h.last_text()
    await h.press("✏️ A person I trust")
    assert "A person I trust. Type your answer" in h.last_text() and "Who can you call" in h.last_text()
    typed = await h.send(TRUSTED)
    assert typed in h.request.deleted_ids()  # her words leave the chat at once
    assert "Saved in your plan." in h.last_text() and TRUSTED in h.last_text()
    await h.press("✏️ Code word")
    await h.send(CODE_WORD)
    plan = await h.journal.plan(h.key())
    assert plan.answers == {PlanStep.TRUSTED_PERSON: TRUSTED, PlanStep.CODE_WORD: CODE_WORD}

    # Rewritten, cleared, refused when too long.
    await h.press("✏️ Code word")
    assert CODE_WORD in h.last_text() and "Clear this step" in button_texts(h.last())
    await h.send("x" * (MAX_ANSWER_CHARS + 1))
    assert f"at most {MAX_ANSWER_CHARS}" in h.last_text().lower() or str(MAX_ANSWER_CHARS) in h.last_text()
    await h.press("Clear this step")
    assert (await h.journal.plan(h.key())).answers == {PlanStep.TRUSTED_PERSON: TRUSTED}
    await h.press("✏️ Code word")
    await h.send(CODE_WORD)

    # Encrypted: neither answer is in the database, its WAL or any file.
    await h.services.journal_database.checkpoint()
    stored = data_bytes(h.services.journal_database.path.parent)  # type: ignore[union-attr]
    assert b"PLANWORD" not in stored

    # In the export, a section of its own.
    await h.press("📓 My journal")
    await h.press("Export PDF")
    index = next(i for i, c in enumerate(h.request.calls) if c.method == "sendDocument")
    (_name, content, _mime) = next(iter(h.request.uploads[index].values()))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "My safety plan" in text and "PLANWORD-7f3a" in text and "PLANWORD-91c2" in text


async def test_the_plan_is_locked_with_the_journal(journal_harness: JournalHarness):
    h = journal_harness
    await h.journal.create(h.key(), "246813")
    await h.journal.set_plan_answer(h.key(), PlanStep.WHERE_TO_GO, "my sister's")
    h.journal.lock(h.key())
    with pytest.raises(JournalLocked):
        await h.journal.plan(h.key())
    await h.send("/menu")
    await h.press("Safety plan")
    await h.press("🛡 My own plan (in the journal)")
    assert "Enter the journal's PIN" in h.last_text()
    await h.send("246813")
    assert "my sister's" in h.last_text() and "Your own plan" in h.last_text()  # the plan, once it is open
    await h.journal.delete_all(h.key())
    rows = await h.services.journal_database.connection.execute_fetchall("SELECT count(*) FROM journal_plans")
    assert rows[0][0] == 0  # deleting the journal deletes the plan


async def test_the_danger_checks_result_puts_the_steps_it_calls_for_first(journal_harness: JournalHarness):
    h = journal_harness
    await h.journal.create(h.key())
    await h.send("/menu")
    await h.press("⚠ Danger signs")
    await h.press("☑ Check my situation")
    await h.press("Start")
    for answer in ("No", "No", "No", "Yes", "No", "No", "No", "No"):  # only the separation
        await h.press(answer)
    await h.press("🛡 Write my own plan")
    text = h.last_text()
    assert "After the danger check: start with these steps." in text
    buttons = button_texts(h.last())
    assert buttons[:4] == [
        "⭐ How I leave safely",
        "⭐ Where I can go",
        "⭐ What I will take",
        "⭐ Money and documents",
    ]
    assert "✏️ A person I trust" in buttons
