"""The danger check as plain Python (no Telegram, no storage): its questions, her answers, the result.

Nothing here is stored or logged: a `Check` lives where the caller keeps it (the Telegram layer: in memory,
in the chat's `chat_data`) and goes when the caller drops it. The texts come from the content — the
questions and the signs' names from ui_danger.yaml, what to do for each sign from the screens
`danger_check_<sign>` of danger.yaml — so editors change them, and the checker holds them to the same rules
(sources, phone numbers, length) as every other screen.

    check = service.start()
    question = service.question(check, "ru")        # Question(number=1, count=8, sign=CHOKING, text=…)
    check = check.answer(1, Answer.YES)             # raises StaleAnswer for a question not reached
    … until check.done
    result = service.result(check)                  # Result(marked=(CHOKING, …)); result.advice
    view = service.result_view(result, "ru")        # the signs marked, each with what to do; never a score
    text = service.entry_text(result, ui)           # for a journal entry, if she chooses to save it
"""

from __future__ import annotations

from bot.content.i18n import Localizer
from bot.content.registry import (
    DANGER_MORE_SCREEN,
    DANGER_NONE_SCREEN,
    DANGER_RESULT_SCREEN,
)
from bot.content.render import ButtonView, ScreenView
from bot.content.store import ContentStore
from bot.danger.model import SIGNS, Answer, Check, Question, Result, Sign


def sign_screen(sign: Sign) -> str:
    """The content screen that says what to do about this sign."""
    return f"danger_check_{sign.value}"


class DangerCheckService:
    def __init__(self, content: ContentStore) -> None:
        self._content = content

    @staticmethod
    def start() -> Check:
        return Check()

    def question(self, check: Check, language: str) -> Question:
        """The question she is at (the check must not be done)."""
        sign = SIGNS[check.position]
        text = self._content.ui(language).text(f"danger_check_question_{sign.value}")
        return Question(check.position + 1, len(SIGNS), sign, text, check.answers[check.position])

    @staticmethod
    def result(check: Check) -> Result:
        return Result(tuple(sign for sign, answer in zip(SIGNS, check.answers, strict=True) if answer is Answer.YES))

    @staticmethod
    def result_parts(result: Result) -> tuple[str, ...]:
        """The screens the result is made of: the emergency numbers, each marked sign with what to do, what
        else helps; with no sign marked, the screen that says any violence is dangerous, with the numbers."""
        if not result.marked:
            return (DANGER_NONE_SCREEN,)
        return (DANGER_RESULT_SCREEN, *(sign_screen(sign) for sign in result.marked), DANGER_MORE_SCREEN)

    def result_view(self, result: Result, language: str) -> ScreenView:
        """The result as one message, under one source line; the caller adds the buttons."""
        return self._content.render_parts(language, self.result_parts(result), DANGER_RESULT_SCREEN)

    def result_sources(self, result: Result, language: str, back: ButtonView) -> ScreenView:
        """The result's sources in full, with `back` to the result."""
        parts = self.result_parts(result)
        return self._content.render_parts_sources(language, parts, DANGER_RESULT_SCREEN, back)

    @staticmethod
    def entry_text(result: Result, ui: Localizer) -> str:
        """What a journal entry saved from the result says: the signs she marked, by name, in her language."""
        if not result.marked:
            return ui.text("danger_check_entry_none")
        signs = "; ".join(ui.text(f"danger_check_sign_{sign.value}") for sign in result.marked)
        return ui.text("danger_check_entry", signs=signs)
