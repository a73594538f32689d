"""What the danger check is made of, as plain values: the signs, her answers, the check's progress, the result.

The signs are the published risk factors of ../shared/facts/kz-law-extension.md §E14 (high): only the
factors, never the Danger Assessment's items, wording, weights or scoring, and never a score. Factors that
section marks UNCONFIRMED (threats to kill, unemployment) are not asked about; "the violence is getting worse"
and "the children are threatened" are not in it, so they are not asked about either.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from bot.content.registry import DANGER_SIGNS


class Sign(StrEnum):
    """One risk factor, in the order the questions are asked."""

    CHOKING = "choking"  # prior non-fatal strangulation (Glass et al. 2008)
    WEAPON = "weapon"  # a previous threat with a weapon (Campbell et al. 2003)
    GUN = "gun"  # the abuser's access to a gun
    SEPARATION = "separation"  # separation, especially from a controlling partner
    STALKING = "stalking"
    FORCED_SEX = "forced_sex"
    PREGNANCY = "pregnancy"  # abuse during pregnancy
    STEPCHILD = "stepchild"  # a child in the home who is not the abuser's own


SIGNS = tuple(Sign)
assert tuple(sign.value for sign in SIGNS) == DANGER_SIGNS, "the signs and the content's screens disagree"


class Answer(StrEnum):
    YES = "y"
    NO = "n"
    SKIP = "s"


class Advice(StrEnum):
    """What a sign calls for. The content screen of each sign says it in words; these let other parts of the
    bot act on the result (her safety plan: which steps to fill first) without reading any text."""

    EMERGENCY = "emergency"  # 102 / 112 when in danger
    DOCTOR = "doctor"  # see a doctor, and say what happened
    FORENSIC = "forensic"  # ask the police for a forensic medical examination
    POLICE = "police"  # tell the police (about the weapon; report the stalking)
    PROTECTIVE_ORDER = "protective_order"
    SAFETY_PLAN = "safety_plan"  # where to go, whom to call, what to take
    LEAVING_PLAN = "leaving_plan"  # prepare leaving in advance, not alone
    CHILDREN_PLAN = "children_plan"  # the children in the safety plan
    HANDOFF = "handoff"  # talk to a person: 111, or an advocate here
    JOURNAL = "journal"  # write down what happens


# For each sign what its screen (content/<lang>/danger.yaml, danger_check_<sign>) advises.
WHAT_TO_DO: dict[Sign, tuple[Advice, ...]] = {
    Sign.CHOKING: (Advice.EMERGENCY, Advice.DOCTOR, Advice.FORENSIC),
    Sign.WEAPON: (Advice.EMERGENCY, Advice.POLICE),
    Sign.GUN: (Advice.POLICE, Advice.SAFETY_PLAN),
    Sign.SEPARATION: (Advice.LEAVING_PLAN, Advice.PROTECTIVE_ORDER, Advice.HANDOFF),
    Sign.STALKING: (Advice.POLICE, Advice.JOURNAL),
    Sign.FORCED_SEX: (Advice.DOCTOR,),
    Sign.PREGNANCY: (Advice.DOCTOR,),
    Sign.STEPCHILD: (Advice.CHILDREN_PLAN, Advice.HANDOFF),
}
# What every result says, whatever was marked (danger_check_result, danger_check_more, danger_check_none).
ALWAYS: tuple[Advice, ...] = (Advice.EMERGENCY, Advice.SAFETY_PLAN, Advice.HANDOFF, Advice.JOURNAL)
assert set(WHAT_TO_DO) == set(SIGNS)


class StaleAnswer(Exception):
    """An answer to a question the check has not reached (a button from another check, or forged)."""


@dataclass(frozen=True)
class Check:
    """Her answers so far and the question she is at; in memory only. position == len(SIGNS): done."""

    answers: tuple[Answer | None, ...] = (None,) * len(SIGNS)
    position: int = 0

    @property
    def done(self) -> bool:
        return self.position >= len(SIGNS)

    def answer(self, number: int, answer: Answer) -> Check:
        """The answer to question `number` (from 1): any question up to the one she is at (she may have gone
        back); the next unanswered question comes after it."""
        if not 1 <= number <= min(self.position + 1, len(SIGNS)):
            raise StaleAnswer(number)
        answers = (*self.answers[: number - 1], answer, *self.answers[number:])
        return replace(self, answers=answers, position=number)

    def back_to(self, number: int) -> Check:
        """Show question `number` again (its answer kept, and marked). Beyond where she is: no change."""
        if not 1 <= number <= self.position:
            return self
        return replace(self, position=number - 1)


@dataclass(frozen=True)
class Question:
    number: int  # from 1
    count: int
    sign: Sign
    text: str  # in her language, from the content
    current: Answer | None  # her answer, when she came back to it


@dataclass(frozen=True)
class Result:
    """The signs she marked, in the questions' order. Never a score: nothing here counts or weighs."""

    marked: tuple[Sign, ...]

    @property
    def advice(self) -> tuple[Advice, ...]:
        """What to do, for the signs marked and for everyone, each once, in the order first named."""
        found: list[Advice] = []
        for advice in (*(item for sign in self.marked for item in WHAT_TO_DO[sign]), *ALWAYS):
            if advice not in found:
                found.append(advice)
        return tuple(found)
