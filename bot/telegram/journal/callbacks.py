"""The journal's button payloads (Telegram's callback_data): each kind a small typed class, built and parsed
here only; the handler's pattern comes from the same prefix.

All `1:j:…`, ASCII, well under 64 bytes, and never anything she wrote: only step names, choices, page numbers
and record or file ids (32 random hex digits). Buttons stay in people's chats for a long time, so these
strings must never change:

    m                      the journal menu          mk:pin | mk:none       create, with or without a PIN
    new[:f]  cont          new entry / continue      s:<step>:<value>       a step's button (value: skip,
    r:save r:fields r:cancel  the review's buttons                          clear, today, yesterday, yes…)
    go:<step>              change one answer         rm:<file id>           drop a file from the draft
    ls:<v|d>:<page>        the list (view / delete)  e:<id>                 one entry
    fix:<id>[:f]           correct it                del:<id>  delok:<id>   delete it (asks first)
    xp  xt                 export PDF / text         wipe  wipeok           delete everything (asks first)
    pin:set|chg|rm         the PIN                   lock  forgot           lock now / forgotten PIN
    plan[:<digits>]        her own safety plan (the  pe:<step>[:x]          write / clear one step of it
                           steps suggested first)
    st                     a statement draft: what   sc:<page>              choose entries (a page of them)
                           it is, where to take it   sx:<id>:<page>         choose / unchoose one entry
    sk                     the documents to choose   sd:<kind>              this document
    sv:<detail>:<b|d|a>    leave a detail blank, use the default addressee, leave all the rest blank
    sg:<detail>            type (again) one detail   sr  sm                 the ready screen / make the files
    sl:<language>          the document's language (ru, kk, en)

Parsing is as lenient as the buttons always were, so an old or odd button still leads somewhere kind: parts
beyond the known ones are ignored, an id that is not 32 hex digits becomes "-" (it matches no record: "not
found"), an unknown step in `go:` means the review, a page has at most 4 digits. Only data that is not ASCII
or has an unknown verb parses to None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Self, TypeVar

from bot.content import callbacks
from bot.content.documents import DocumentKind
from bot.content.registry import JOURNAL_ACTION, JOURNAL_EXPORT_ACTION, JOURNAL_PLAN_ACTION
from bot.journal.model import Step
from bot.journal.plan import PLAN_STEPS, PlanStep
from bot.telegram.journal.flow import Detail

PREFIX = "1:j:"
PATTERN = f"^{re.escape(PREFIX)}"  # every journal button, for the CallbackQueryHandler
OPEN = callbacks.for_action(JOURNAL_ACTION)  # the content screen's button that opens the journal
OPEN_PATTERN = f"^{re.escape(OPEN)}$"
EXPORT = callbacks.for_action(JOURNAL_EXPORT_ACTION)  # "export my journal first", before "Delete everything"
EXPORT_PATTERN = f"^{re.escape(EXPORT)}$"
OPEN_PLAN = callbacks.for_action(JOURNAL_PLAN_ACTION)  # the safety plan screen's "my own plan"
OPEN_PLAN_PATTERN = f"^{re.escape(OPEN_PLAN)}$"
MAX_BYTES = callbacks.MAX_BYTES
MAX_PAGE_DIGITS = 4
NO_ID = "-"  # what a malformed id becomes: it matches no record
_HEX = frozenset("0123456789abcdef")
_Enum = TypeVar("_Enum", bound=StrEnum)


def record_id(value: str) -> str:
    """A record or file id from callback data: 32 hex digits, or nothing that could match one."""
    return value if len(value) == 32 and all(c in _HEX for c in value) else NO_ID


def is_journal(data: str) -> bool:
    return data.startswith(PREFIX)


@dataclass(frozen=True)
class JournalData:
    """One journal button's payload. Each kind names its verb and says how its parts are written and read."""

    verb: ClassVar[str]
    in_entry: ClassVar[bool] = False  # a button of the guided entry: a locked key means "PIN, then go on"

    def parts(self) -> tuple[str, ...]:
        return ()

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls()

    @property
    def data(self) -> str:
        return PREFIX + ":".join((self.verb, *self.parts()))


class ReviewAction(StrEnum):
    SAVE = "save"
    FIELDS = "fields"
    CANCEL = "cancel"


class PinAction(StrEnum):
    SET = "set"
    CHANGE = "chg"
    REMOVE = "rm"


# ---------------------------------------------------------------------------------- the menu and the PIN


@dataclass(frozen=True)
class Menu(JournalData):
    verb = "m"


@dataclass(frozen=True)
class Create(JournalData):
    verb = "mk"
    with_pin: bool

    def parts(self) -> tuple[str, ...]:
        return ("pin" if self.with_pin else "none",)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(parts[:1] == ["pin"])


@dataclass(frozen=True)
class Pin(JournalData):
    verb = "pin"
    action: PinAction | None  # None: not a PIN action (the menu is shown)

    def parts(self) -> tuple[str, ...]:
        return (self.action.value,) if self.action else ()

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(_enum(PinAction, parts[0] if parts else ""))


@dataclass(frozen=True)
class Lock(JournalData):
    verb = "lock"


@dataclass(frozen=True)
class Forgot(JournalData):
    verb = "forgot"


# ---------------------------------------------------------------------------------- the guided entry


@dataclass(frozen=True)
class NewEntry(JournalData):
    verb = "new"
    start_over: bool = False  # a draft waits, and she chose to drop it

    def parts(self) -> tuple[str, ...]:
        return ("f",) if self.start_over else ()

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(parts[:1] == ["f"])


@dataclass(frozen=True)
class Continue(JournalData):
    verb = "cont"
    in_entry = True


@dataclass(frozen=True)
class StepButton(JournalData):
    verb = "s"
    in_entry = True
    step: Step | None  # the step whose prompt showed the button; None: no step
    choice: str  # skip, clear, or an answer (today, yesterday, yes, no, unknown)

    def parts(self) -> tuple[str, ...]:
        return (self.step.value if self.step else "", self.choice)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        step, choice = [*parts, "", ""][:2]
        return cls(_enum(Step, step), choice)


@dataclass(frozen=True)
class Review(JournalData):
    verb = "r"
    in_entry = True
    action: ReviewAction | None  # None: show the draft's step again

    def parts(self) -> tuple[str, ...]:
        return (self.action.value,) if self.action else ()

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(_enum(ReviewAction, parts[0] if parts else ""))


@dataclass(frozen=True)
class GoTo(JournalData):
    verb = "go"
    in_entry = True
    step: Step

    def parts(self) -> tuple[str, ...]:
        return (self.step.value,)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(_enum(Step, parts[0] if parts else "") or Step.REVIEW)


@dataclass(frozen=True)
class RemoveFile(JournalData):
    verb = "rm"
    in_entry = True
    file_id: str

    def parts(self) -> tuple[str, ...]:
        return (self.file_id,)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(record_id(parts[0] if parts else ""))


# ---------------------------------------------------------------------------------- the records


@dataclass(frozen=True)
class ListEntries(JournalData):
    verb = "ls"
    delete: bool = False  # the list to pick an entry to delete, not to view
    page: int = 0

    def parts(self) -> tuple[str, ...]:
        return ("d" if self.delete else "v", str(self.page))

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(parts[:1] == ["d"], _page(parts[1] if len(parts) > 1 else ""))


@dataclass(frozen=True)
class _OneRecord(JournalData):
    entry_id: str

    def parts(self) -> tuple[str, ...]:
        return (self.entry_id,)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(record_id(parts[0] if parts else ""))


@dataclass(frozen=True)
class ShowEntry(_OneRecord):
    verb = "e"


@dataclass(frozen=True)
class AskDelete(_OneRecord):
    verb = "del"


@dataclass(frozen=True)
class DeleteOne(_OneRecord):
    verb = "delok"


@dataclass(frozen=True)
class Correct(JournalData):
    verb = "fix"
    entry_id: str
    start_over: bool = False  # a draft waits, and she chose to drop it

    def parts(self) -> tuple[str, ...]:
        return (self.entry_id, "f") if self.start_over else (self.entry_id,)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(record_id(parts[0] if parts else ""), parts[1:2] == ["f"])


@dataclass(frozen=True)
class ExportPdf(JournalData):
    verb = "xp"


@dataclass(frozen=True)
class ExportText(JournalData):
    verb = "xt"


@dataclass(frozen=True)
class AskDeleteAll(JournalData):
    verb = "wipe"


@dataclass(frozen=True)
class DeleteAll(JournalData):
    verb = "wipeok"


# ---------------------------------------------------------------------------------- her own safety plan


@dataclass(frozen=True)
class Plan(JournalData):
    """Her plan; `suggested`: the steps the danger check's result points to, first (as digits: their place in
    PLAN_STEPS, whose order never changes)."""

    verb = "plan"
    suggested: tuple[PlanStep, ...] = ()

    def parts(self) -> tuple[str, ...]:
        return ("".join(str(PLAN_STEPS.index(step)) for step in self.suggested),) if self.suggested else ()

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        digits = parts[0] if parts else ""
        steps = [PLAN_STEPS[int(d)] for d in digits[: len(PLAN_STEPS)] if d.isdigit() and int(d) < len(PLAN_STEPS)]
        return cls(tuple(dict.fromkeys(steps)))


@dataclass(frozen=True)
class PlanEdit(JournalData):
    """Write (or rewrite) one step of her plan; `clear`: empty it."""

    verb = "pe"
    step: PlanStep | None  # None: an unknown step (an old button): the plan is shown
    clear: bool = False

    def parts(self) -> tuple[str, ...]:
        step = self.step.value if self.step else "-"
        return (step, "x") if self.clear else (step,)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(_enum(PlanStep, parts[0] if parts else ""), parts[1:2] == ["x"])


# ---------------------------------------------------------------------------------- a statement draft


class DetailChoice(StrEnum):
    BLANK = "b"  # she writes it by hand on paper
    DEFAULT = "d"  # the template's own addressee line
    ALL_BLANK = "a"  # this and every detail after it: by hand


@dataclass(frozen=True)
class StatementStart(JournalData):
    """What a statement draft is, where to take it; then choosing entries."""

    verb = "st"


@dataclass(frozen=True)
class StatementEntries(JournalData):
    verb = "sc"
    page: int = 0

    def parts(self) -> tuple[str, ...]:
        return (str(self.page),)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(_page(parts[0] if parts else ""))


@dataclass(frozen=True)
class StatementToggle(JournalData):
    """Choose or unchoose one entry; the page it was on is shown again."""

    verb = "sx"
    entry_id: str
    page: int = 0

    def parts(self) -> tuple[str, ...]:
        return (self.entry_id, str(self.page))

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(record_id(parts[0] if parts else ""), _page(parts[1] if len(parts) > 1 else ""))


@dataclass(frozen=True)
class StatementKinds(JournalData):
    """The entries are chosen: which document."""

    verb = "sk"


@dataclass(frozen=True)
class StatementKind(JournalData):
    verb = "sd"
    kind: DocumentKind | None  # None: an unknown kind (an old button): the documents are shown again

    def parts(self) -> tuple[str, ...]:
        return (self.kind.value if self.kind else "-",)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(_enum(DocumentKind, parts[0] if parts else ""))


@dataclass(frozen=True)
class StatementValue(JournalData):
    """A detail's button: leave it blank, the default addressee, or leave all the rest blank."""

    verb = "sv"
    detail: Detail | None
    choice: DetailChoice | None

    def parts(self) -> tuple[str, ...]:
        return (self.detail.value if self.detail else "-", self.choice.value if self.choice else "-")

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        detail, choice = [*parts, "", ""][:2]
        return cls(_enum(Detail, detail), _enum(DetailChoice, choice))


@dataclass(frozen=True)
class StatementAsk(JournalData):
    """Type (or type again) one detail, from the ready screen."""

    verb = "sg"
    detail: Detail | None

    def parts(self) -> tuple[str, ...]:
        return (self.detail.value if self.detail else "-",)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        return cls(_enum(Detail, parts[0] if parts else ""))


@dataclass(frozen=True)
class StatementReady(JournalData):
    verb = "sr"


@dataclass(frozen=True)
class StatementMake(JournalData):
    verb = "sm"


@dataclass(frozen=True)
class StatementLanguage(JournalData):
    """The document's language, from the ready screen."""

    verb = "sl"
    language: str | None  # None: not a language code (an odd button): the ready screen again

    def parts(self) -> tuple[str, ...]:
        return (self.language or "-",)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self:
        value = parts[0] if parts else ""
        return cls(value if len(value) == 2 and value.isalpha() and value.islower() else None)


_ALL_KINDS: tuple[type[JournalData], ...] = (
    Menu, Create, Pin, Lock, Forgot,
    NewEntry, Continue, StepButton, Review, GoTo, RemoveFile,
    ListEntries, ShowEntry, AskDelete, DeleteOne, Correct, ExportPdf, ExportText, AskDeleteAll, DeleteAll,
    Plan, PlanEdit,
    StatementStart, StatementEntries, StatementToggle, StatementKinds, StatementKind, StatementValue, StatementAsk,
    StatementReady, StatementMake, StatementLanguage,
)  # fmt: skip
KINDS: dict[str, type[JournalData]] = {kind.verb: kind for kind in _ALL_KINDS}
assert len(KINDS) == len(_ALL_KINDS), "two kinds of journal button share a verb"


def parse(data: str) -> JournalData | None:
    """The journal button this data stands for; None if it is not ASCII or not a journal verb."""
    if not is_journal(data) or not data.isascii():
        return None
    verb, *parts = data[len(PREFIX) :].split(":")
    kind = KINDS.get(verb)
    return kind.from_parts(parts) if kind is not None else None


def _page(value: str) -> int:
    return int(value) if value.isdigit() and len(value) <= MAX_PAGE_DIGITS else 0


def _enum(kind: type[_Enum], value: str) -> _Enum | None:
    try:
        return kind(value)
    except ValueError:
        return None
