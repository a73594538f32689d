"""Her own safety plan in the journal service: kept in step order, encrypted and bound to her journal, in the
text export, refused when too long."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.journal import export
from bot.journal.model import ChainReport, JournalDamaged, JournalInputError
from bot.journal.plan import MAX_ANSWER_CHARS, PlanStep, SafetyPlan
from tests.support.journal import ALICE, BOB, Harness


def test_answers_keep_the_steps_order_and_an_empty_answer_clears_a_step():
    plan = SafetyPlan().with_answer(PlanStep.CHILDREN, " to the neighbours ").with_answer(PlanStep.CODE_WORD, "tea")
    assert list(plan.answers.items()) == [(PlanStep.CODE_WORD, "tea"), (PlanStep.CHILDREN, "to the neighbours")]
    assert SafetyPlan.decode(plan.encode()) == plan
    assert plan.with_answer(PlanStep.CODE_WORD, "  ").answers == {PlanStep.CHILDREN: "to the neighbours"}
    with pytest.raises(JournalInputError):
        plan.with_answer(PlanStep.CODE_WORD, "x" * (MAX_ANSWER_CHARS + 1))
    with pytest.raises(JournalDamaged):
        SafetyPlan.decode(b'{"v": 1, "answers": {"no_such_step": "x"}}')


async def test_a_plan_is_bound_to_its_journal(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    await journal.create(BOB)
    await journal.set_plan_answer(ALICE, PlanStep.WHERE_TO_GO, "my sister's")
    assert (await journal.plan(BOB)).answers == {}
    # Her sealed plan copied onto another journal's row does not open there.
    (payload,) = (await harness.rows("SELECT payload FROM journal_plans WHERE user_key = ?", ALICE))[0]
    await harness.execute("INSERT INTO journal_plans (user_key, payload) VALUES (?, ?)", BOB, payload)
    with pytest.raises(JournalDamaged):
        await journal.plan(BOB)


def test_the_text_export_has_the_plan_as_a_section_of_its_own(content):  # type: ignore[no-untyped-def]
    ui_en = content.ui("en")
    plan = SafetyPlan().with_answer(PlanStep.TRUSTED_PERSON, "Saule")
    data = export.ExportData([], ChainReport(0), dt.datetime(2026, 12, 1, tzinfo=dt.UTC), lambda _: None, plan)
    text = export.build_text(data, ui_en)
    assert "My safety plan\n--------------" in text and "A person I trust: Saule" in text
    empty = export.ExportData([], ChainReport(0), dt.datetime(2026, 12, 1, tzinfo=dt.UTC), lambda _: None)
    assert "My safety plan" not in export.build_text(empty, ui_en)
