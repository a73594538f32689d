"""The danger check's screens as `ScreenView`s, from plain data: no Telegram calls, no awaits.

Every screen keeps the way out the rest of the bot shows (Menu, 🆘 SOS, ✖ Exit); the result never shows a
score, a count or a level — only the signs she marked, each with what to do (the content's own words).
"""

from __future__ import annotations

from dataclasses import replace

from bot.content import callbacks as content_callbacks
from bot.content.i18n import Localizer
from bot.content.registry import HANDOFF_SCREEN, SAFETY_PLAN_SCREEN
from bot.content.render import ButtonView, ScreenView
from bot.danger.model import Answer, Question
from bot.journal.plan import PlanStep
from bot.telegram.danger import callbacks as cb
from bot.telegram.journal import callbacks as journal_callbacks
from bot.telegram.views import escape, navigation_row

ANSWER_KEYS = {Answer.YES: "danger_check_yes", Answer.NO: "danger_check_no", Answer.SKIP: "danger_check_skip"}


def question(ui: Localizer, asked: Question) -> ScreenView:
    """One question: Yes / No on a row, Skip below; the previous question, from the second on. Coming back to
    a question, her answer is marked with ✓ so she sees what she chose."""
    counter = ui.text("danger_check_counter", number=asked.number, count=asked.count)
    text = f"<i>{escape(counter)}</i>\n\n<b>{escape(asked.text)}</b>"

    def answer(choice: Answer) -> ButtonView:
        label = ("✓ " if asked.current is choice else "") + ui.text(ANSWER_KEYS[choice])
        return ButtonView(label, cb.AnswerQuestion(asked.number, choice).data)

    rows = [[answer(Answer.YES), answer(Answer.NO)], [answer(Answer.SKIP)]]
    if asked.number > 1:
        rows.append([ButtonView(ui.text("danger_check_previous"), cb.ShowQuestion(asked.number - 1).data)])
    rows.append(navigation_row(ui))
    return view("danger_check_question", ui, text, rows)


def result(ui: Localizer, composed: ScreenView, plan_steps: tuple[PlanStep, ...] = ()) -> ScreenView:
    """The content's result (bot.danger.service.result_view) with what she can do next: save it in her journal,
    her own safety plan (the steps the result calls for first), the safety plan's advice, a person to talk to,
    the sources in full, and the way out."""
    rows = [
        [ButtonView(ui.text("danger_check_button_save"), cb.Save.data)],
        [ButtonView(ui.text("danger_check_button_own_plan"), journal_callbacks.Plan(plan_steps).data)],
        [ButtonView(ui.text("danger_check_button_plan"), content_callbacks.for_screen(SAFETY_PLAN_SCREEN))],
        [ButtonView(ui.text("danger_check_button_handoff"), content_callbacks.for_screen(HANDOFF_SCREEN))],
        [ButtonView(ui.text("button_sources"), cb.Sources.data)],
        navigation_row(ui),
    ]
    return replace(composed, buttons=rows)


def back_to_result(ui: Localizer) -> ButtonView:
    return ButtonView(ui.text("button_back"), cb.ShowResult.data)


def saved(ui: Localizer, number: int) -> ScreenView:
    """The result is in her journal (its answers are no longer kept anywhere else)."""
    rows = [
        [ButtonView(ui.text("danger_check_button_journal"), journal_callbacks.Menu().data)],
        [ButtonView(ui.text("danger_check_button_plan"), content_callbacks.for_screen(SAFETY_PLAN_SCREEN))],
        [ButtonView(ui.text("danger_check_button_handoff"), content_callbacks.for_screen(HANDOFF_SCREEN))],
        navigation_row(ui),
    ]
    return view("danger_check_saved", ui, escape(ui.text("danger_check_saved", number=number)), rows)


def with_notice(screen: ScreenView, notice: str) -> ScreenView:
    """A short line above a screen (the screen itself is shared by the content's cache: this is a copy)."""
    return replace(screen, html=f"<i>{escape(notice)}</i>\n\n{screen.html}")


def view(screen_id: str, ui: Localizer, text_html: str, rows: list[list[ButtonView]]) -> ScreenView:
    return ScreenView(screen_id, ui.language, text_html, rows, len(text_html))
