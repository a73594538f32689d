"""Her own safety plan: what she decided for each step, in her words, kept inside the journal.

The plan's texts are the journal's to protect: encrypted with her journal key (bound to the journal's identity),
readable only while the journal is open, exported with it as a section of its own, deleted with it. Which steps
to fill first is the danger check's to suggest (bot/telegram/journal/plan_screens.py), not this module's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from bot.journal.model import InputError, JournalDamaged, JournalInputError

MAX_ANSWER_CHARS = 600  # a few sentences: a plan step, not a diary


class PlanStep(StrEnum):
    TRUSTED_PERSON = "trusted_person"  # whom she can call, who knows
    CODE_WORD = "code_word"  # the word that means "call the police"
    WHERE_TO_GO = "where_to_go"
    WHAT_TO_TAKE = "what_to_take"
    MONEY_DOCUMENTS = "money_documents"  # where money, cards, IDs and copies are
    HOW_TO_LEAVE = "how_to_leave"  # the way out, when, who helps
    CHILDREN = "children"  # what the children know and do


PLAN_STEPS = tuple(PlanStep)


@dataclass(frozen=True)
class SafetyPlan:
    answers: dict[PlanStep, str] = field(default_factory=dict)

    @property
    def filled(self) -> int:
        return len(self.answers)

    def with_answer(self, step: PlanStep, text: str | None) -> SafetyPlan:
        """Her answer for a step (spaces around it dropped); None or empty clears the step."""
        answers = dict(self.answers)
        text = (text or "").strip()
        if len(text) > MAX_ANSWER_CHARS:
            raise JournalInputError(InputError.TEXT_TOO_LONG)
        if text:
            answers[step] = text
        else:
            answers.pop(step, None)
        return SafetyPlan({s: answers[s] for s in PLAN_STEPS if s in answers})

    def encode(self) -> bytes:
        return json.dumps({"v": 1, "answers": {step.value: text for step, text in self.answers.items()}}).encode()

    @classmethod
    def decode(cls, data: bytes) -> SafetyPlan:
        try:
            raw = json.loads(data)
            answers = {PlanStep(key): str(value) for key, value in raw["answers"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise JournalDamaged("the safety plan cannot be read") from None
        return SafetyPlan({s: answers[s] for s in PLAN_STEPS if s in answers})
