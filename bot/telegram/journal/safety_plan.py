"""Her own safety plan, inside the journal: the plan screen, a step's prompt, and her answer.

Her answer is deleted from the chat as soon as it is stored (encrypted with her journal key), and the plan is
shown again. The prompt is a message of the flow (tracked), so it goes with the flow after a restart too. Steps
the danger check's result calls for come first when she arrives from it (its button carries them).
"""

from __future__ import annotations

import contextlib

from telegram import Message
from telegram.error import TelegramError

from bot.danger.model import WHAT_TO_DO, Advice, Result
from bot.journal.model import JournalInputError
from bot.journal.plan import MAX_ANSWER_CHARS, PlanStep
from bot.telegram.journal import screens
from bot.telegram.journal.flow import Awaiting
from bot.telegram.journal.turn import Turn

# Which steps of her plan each piece of the danger check's advice asks her to think through first.
SUGGESTED_BY: dict[Advice, tuple[PlanStep, ...]] = {
    Advice.SAFETY_PLAN: (PlanStep.TRUSTED_PERSON, PlanStep.CODE_WORD, PlanStep.WHERE_TO_GO),
    Advice.LEAVING_PLAN: (PlanStep.HOW_TO_LEAVE, PlanStep.WHERE_TO_GO, PlanStep.WHAT_TO_TAKE, PlanStep.MONEY_DOCUMENTS),
    Advice.CHILDREN_PLAN: (PlanStep.CHILDREN,),
}


def suggested_by(result: Result) -> tuple[PlanStep, ...]:
    """The steps a danger check's result points to, most pressing first; none when no sign was marked."""
    steps: list[PlanStep] = []
    for sign in result.marked:  # what the marked signs call for, not the advice every result gives
        for advice in WHAT_TO_DO[sign]:
            steps += [step for step in SUGGESTED_BY.get(advice, ()) if step not in steps]
    return tuple(steps)


async def open_plan(turn: Turn, suggested: tuple[PlanStep, ...] = (), *, edit: bool = True) -> None:
    """The plan's button (the journal's menu, the safety plan screen, the danger check's result): if the journal
    is locked or not made yet, the plan opens once it is."""
    turn.flow.after_open = lambda opened: show_plan(opened, edit=False, suggested=suggested)
    await show_plan(turn, edit=edit, suggested=suggested)


async def show_plan(
    turn: Turn, *, edit: bool = True, intro: str | None = None, suggested: tuple[PlanStep, ...] = ()
) -> None:
    """The plan (raises JournalLocked: the journal asks for the PIN first)."""
    safety_plan = await turn.journal.plan(turn.key)
    turn.flow.pause()
    await turn.delete_flow()
    await turn.show(screens.plan(turn.ui, safety_plan, suggested, intro), edit=edit)


async def edit_step(turn: Turn, step: PlanStep | None, *, clear: bool) -> None:
    if step is None:  # an old or odd button
        await show_plan(turn)
        return
    if clear:
        await turn.journal.set_plan_answer(turn.key, step, None)
        await show_plan(turn, intro=turn.ui.text("journal_plan_saved"))
        return
    current = (await turn.journal.plan(turn.key)).answers.get(step)
    turn.flow.pause()
    turn.flow.awaiting, turn.flow.plan_step = Awaiting.PLAN, step
    await turn.show(screens.plan_prompt(turn.ui, step, current), entry=True)


async def take_answer(turn: Turn, message: Message) -> None:
    """Her words for the step: stored, her message deleted at once, the plan shown again."""
    step = turn.flow.plan_step
    with contextlib.suppress(TelegramError):
        await message.delete()
    if step is None or message.text is None:
        await show_plan(turn, edit=False)
        return
    try:
        await turn.journal.set_plan_answer(turn.key, step, message.text)
    except JournalInputError:  # too long: the only way an answer is refused
        error = turn.ui.text("journal_error_text_too_long", limit=MAX_ANSWER_CHARS)
        current = (await turn.journal.plan(turn.key)).answers.get(step)
        await turn.show(screens.plan_prompt(turn.ui, step, current, error), edit=False, entry=True)
        return
    await show_plan(turn, edit=False, intro=turn.ui.text("journal_plan_saved"))
