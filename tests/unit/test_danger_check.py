"""The danger check's service on the shipped content: its questions, her answers, and a result that names the
signs she marked with what to do — never a score, never "low risk", and the emergency numbers always."""

from __future__ import annotations

import re

import pytest

from bot.content.registry import DANGER_NONE_SCREEN, DANGER_RESULT_PARTS, LANGUAGES
from bot.content.render import ButtonView
from bot.content.store import ContentStore
from bot.danger.model import ALWAYS, SIGNS, Advice, Answer, Check, Result, Sign, StaleAnswer
from bot.danger.service import DangerCheckService

TELEGRAM_LIMIT = 4096


@pytest.fixture
def danger(content: ContentStore) -> DangerCheckService:
    return DangerCheckService(content)


def answered(*answers: Answer) -> Check:
    check = Check()
    for number, answer in enumerate(answers, start=1):
        check = check.answer(number, answer)
    return check


def test_the_questions_come_one_at_a_time_in_every_language(danger):
    check = Check()
    for language in LANGUAGES:
        question = danger.question(check, language)
        assert (question.number, question.count, question.sign) == (1, len(SIGNS), Sign.CHOKING)
        assert question.text.endswith("?") and question.current is None
    assert "choked or strangled" in danger.question(check, "en").text
    check = check.answer(1, Answer.YES)
    assert danger.question(check, "en").sign is Sign.WEAPON


def test_the_questions_follow_the_fact_sheet_and_leave_out_what_it_does_not_confirm(danger):
    # §E14 marks "threats to kill" UNCONFIRMED as a factor; escalation and threats to children are not in it.
    texts = " ".join(danger.question(Check(position=index), "en").text.lower() for index in range(len(SIGNS)))
    for word in ("strangled", "weapon", "gun", "separated", "control", "follow", "forced you into sex", "pregnant"):
        assert word in texts
    for unconfirmed in ("kill", "worse", "more often", "threaten your child"):
        assert unconfirmed not in texts


def test_an_answer_to_a_question_not_reached_is_refused_and_going_back_keeps_her_answer():
    check = Check().answer(1, Answer.YES)
    with pytest.raises(StaleAnswer):
        check.answer(3, Answer.YES)
    with pytest.raises(StaleAnswer):
        check.answer(0, Answer.YES)
    assert check.answer(1, Answer.NO).answers[0] is Answer.NO  # the same question again: a changed mind
    back = check.answer(2, Answer.SKIP).back_to(1)
    assert back.position == 0 and back.answers[:2] == (Answer.YES, Answer.SKIP)
    assert back.back_to(5) == back  # not reached yet: nothing changes


def test_the_result_names_the_signs_marked_yes_in_order_and_what_they_call_for(danger):
    check = answered(Answer.SKIP, Answer.NO, Answer.NO, Answer.YES, Answer.NO, Answer.NO, Answer.NO, Answer.YES)
    check = check.back_to(1).answer(1, Answer.YES)  # she went back and marked the first one after all
    assert not check.done
    for number in range(2, len(SIGNS) + 1):
        check = check.answer(number, check.answers[number - 1] or Answer.NO)
    assert check.done
    result = danger.result(check)
    assert result.marked == (Sign.CHOKING, Sign.SEPARATION, Sign.STEPCHILD)
    assert result.advice[:3] == (Advice.EMERGENCY, Advice.DOCTOR, Advice.FORENSIC)
    assert set(ALWAYS) <= set(result.advice) and len(set(result.advice)) == len(result.advice)
    assert Advice.LEAVING_PLAN in result.advice and Advice.CHILDREN_PLAN in result.advice
    assert danger.result_parts(result) == (
        "danger_check_result", "danger_check_choking", "danger_check_separation", "danger_check_stepchild",
        "danger_check_more",
    )  # fmt: skip


def test_strangulation_marked_shows_the_doctor_and_102(danger):
    view = danger.result_view(Result((Sign.CHOKING,)), "en")
    text = re.sub(r"<[^>]+>", "", view.html)
    assert "102" in text and "112" in text
    assert "See a doctor, even if you feel it has passed, and say that you were strangled" in text
    assert "Sources:" in text and "Checked on" in text  # one source line for the whole message


def test_no_sign_marked_still_says_any_violence_is_dangerous_with_the_numbers(danger):
    result = danger.result(answered(*[Answer.NO] * len(SIGNS)))
    assert result.marked == () and danger.result_parts(result) == (DANGER_NONE_SCREEN,)
    assert set(ALWAYS) <= set(result.advice)
    for language, dangerous in (("en", "Any violence is dangerous"), ("ru", "Любое насилие опасно"),
                                ("kk", "Кез келген зорлық-зомбылық қауіпті")):  # fmt: skip
        text = danger.result_view(result, language).html
        assert dangerous in text and "102" in text and "112" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_result_shows_a_score_a_level_or_low_risk(danger, language):
    every = Result(SIGNS)
    for result in (every, Result(()), Result((Sign.GUN,))):
        text = re.sub(r"<[^>]+>", "", danger.result_view(result, language).html).lower()
        for forbidden in ("low risk", "high risk", "низкий риск", "высокий риск", "төмен қауіп", "балл", "score:"):
            assert forbidden not in text
        assert not re.search(r"\b\d+\s*(/|из|of)\s*\d+\b", text)  # no "5 of 8", "3/8"
    assert danger.result_view(every, language).length <= TELEGRAM_LIMIT


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_longest_result_fits_one_message_and_cites_every_part(danger, content, language):
    view = danger.result_view(Result(SIGNS), language)
    assert view.length <= TELEGRAM_LIMIT
    screens = content.tree.packs[language].screens
    cited = {ref.id for screen_id in DANGER_RESULT_PARTS for ref in screens[screen_id].sources}
    sources = danger.result_sources(Result(SIGNS), language, back=ButtonView("Back", "1:d:r"))
    for source_id in cited:
        assert content.tree.sources[source_id].title_for(language) in sources.html


def test_a_journal_entry_names_the_signs_in_her_language(danger, content):
    ui = content.ui("ru")
    text = danger.entry_text(Result((Sign.CHOKING, Sign.STALKING)), ui)
    assert "душили или сдавливали шею" in text and "преследование" in text and "не оценка риска" in text
    assert danger.entry_text(Result(()), content.ui("en")).endswith("No sign was marked.")
