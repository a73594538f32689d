"""What the journal holds, as plain values: entries, attachments, drafts, and the errors its API raises.

Nothing here touches storage or crypto. The Telegram layer shows these values and maps every error to a
UI string (bot/journal/ui_keys.py): errors carry codes, never English text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # what a bot can download through getFile
MAX_ATTACHMENTS = 20  # per entry
MAX_TEXT_CHARS = 4096  # one Telegram message


class ChildrenPresent(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    VOICE = "voice"
    AUDIO = "audio"
    DOCUMENT = "document"


class RecordKind(StrEnum):
    ENTRY = "entry"
    CORRECTION = "correction"  # a new version of an earlier entry; the earlier one stays as it was
    GAP = "gap"  # says that entries were deleted, and keeps their hashes so the chain still verifies
    UNREADABLE = "unreadable"  # a stored row that no longer decrypts (altered, or moved from another user)


class Step(StrEnum):
    """The steps of the guided entry, in the order they are asked."""

    DATE = "date"
    TIME = "time"
    PLACE = "place"
    WHAT_HAPPENED = "what_happened"
    INJURIES = "injuries"
    WITNESSES = "witnesses"
    CHILDREN = "children"
    POLICE = "police"
    MEDICAL = "medical"
    ATTACHMENTS = "attachments"
    REVIEW = "review"


STEPS = tuple(Step)
TEXT_STEPS = {
    Step.PLACE: "place",
    Step.WHAT_HAPPENED: "what_happened",
    Step.INJURIES: "injuries",
    Step.WITNESSES: "witnesses",
    Step.POLICE: "police",
    Step.MEDICAL: "medical_visit",
}


class InputError(StrEnum):
    """Why an answer was refused. The Telegram layer asks again with the matching UI string."""

    DATE_REQUIRED = "date_required"
    DATE_UNREADABLE = "date_unreadable"
    DATE_IMPOSSIBLE = "date_impossible"  # 31.02.2026
    DATE_IN_FUTURE = "date_in_future"
    DATE_TOO_OLD = "date_too_old"
    TIME_UNREADABLE = "time_unreadable"
    TEXT_TOO_LONG = "text_too_long"
    NOT_A_CHOICE = "not_a_choice"
    EXPECTS_FILE = "expects_file"
    FILE_TOO_LARGE = "file_too_large"
    TOO_MANY_FILES = "too_many_files"
    NOT_NOW = "not_now"  # an answer for a step the draft is not at (a stale button)
    PIN_TOO_SHORT = "pin_too_short"
    PIN_TOO_LONG = "pin_too_long"


class JournalError(Exception):
    """Base of everything the journal raises on purpose."""


class JournalInputError(JournalError):
    def __init__(self, code: InputError) -> None:
        super().__init__(code.value)
        self.code = code


class NoJournal(JournalError):
    """This user has no journal (never created, or deleted)."""


class JournalExists(JournalError):
    pass


class PinRequired(JournalError):
    """The journal has a PIN and none was given."""


class WrongPin(JournalError):
    def __init__(self, tries_left: int) -> None:
        super().__init__(f"wrong PIN, {tries_left} tries left")
        self.tries_left = tries_left


class LockedOut(JournalError):
    """Too many wrong PINs: no try is even checked before `until`."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


class JournalLocked(JournalError):
    """The data key is not in memory (never unlocked, idle too long, or locked): ask for the PIN again."""


class PinAlreadySet(JournalError):
    pass


class NoPinSet(JournalError):
    pass


class NoDraft(JournalError):
    pass


class NotFound(JournalError):
    """No such entry in this user's journal (or it was deleted)."""


class JournalDamaged(JournalError):
    """Stored data does not decrypt or does not match its hash: altered, truncated or moved."""


@dataclass(frozen=True)
class EntryFields:
    """What she records about one incident. Only the date is required."""

    occurred_on: dt.date
    occurred_time: dt.time | None = None
    place: str | None = None
    what_happened: str | None = None
    injuries: str | None = None
    witnesses: str | None = None
    children_present: ChildrenPresent | None = None
    police: str | None = None  # report or registration number, officer's name or badge
    medical_visit: str | None = None


@dataclass(frozen=True)
class Attachment:
    """An encrypted file of the journal. name and mime_type are as she sent them, kept only encrypted."""

    file_id: str
    kind: AttachmentKind
    size: int
    sha256: str  # of the original bytes, hex
    name: str | None = None
    mime_type: str | None = None

    @property
    def maybe_image(self) -> bool:
        """Worth trying to embed in the PDF; the export still checks the bytes themselves (JPEG or PNG)."""
        return self.kind is AttachmentKind.PHOTO or (self.mime_type or "") in IMAGE_MIME_TYPES


IMAGE_MIME_TYPES = frozenset({"image/jpeg", "image/png"})


@dataclass(frozen=True)
class NewAttachment:
    """A file to attach, as downloaded from Telegram."""

    data: bytes
    kind: AttachmentKind
    name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class RemovedLink:
    """A deleted entry as its gap record remembers it: enough to keep the chain verifiable, no content."""

    seq: int
    entry_id: str
    entry_hash: str


@dataclass(frozen=True)
class Entry:
    """One link of the chain: an entry, a correction, a gap record, or an unreadable row.

    `number` (the position in the chain, from 1) is what she and the PDF call it: "record #3".
    """

    number: int
    entry_id: str
    kind: RecordKind
    entry_hash: str
    created_at: dt.datetime | None = None  # UTC; None only for an unreadable row
    fields: EntryFields | None = None  # None for gap records and unreadable rows
    attachments: tuple[Attachment, ...] = ()
    corrects: str | None = None  # entry_id of the version this one corrects
    removed: tuple[RemovedLink, ...] = ()  # gap records: the links deleted
    corrected_by: str | None = None  # filled in when listing: the newer version, if any
    salt: bytes = field(default=b"", repr=False)  # hides low-entropy fields behind the stored hash


@dataclass(frozen=True)
class Draft:
    """An entry being written step by step; stored encrypted so it survives a restart."""

    step: Step = Step.DATE
    occurred_on: dt.date | None = None
    occurred_time: dt.time | None = None
    texts: dict[str, str] = field(default_factory=dict)  # keys: the values of TEXT_STEPS
    children_present: ChildrenPresent | None = None
    attachments: tuple[Attachment, ...] = ()
    new_files: frozenset[str] = frozenset()  # files added in this draft (a correction inherits older ones)
    corrects: str | None = None
    back_to_review: bool = False  # she jumped to a step from the review: go back there after it


@dataclass(frozen=True)
class JournalStatus:
    exists: bool
    has_pin: bool = False
    unlocked: bool = False
    locked_until: dt.datetime | None = None
    has_draft: bool = False


class ChainProblem(StrEnum):
    MISSING = "missing"  # a link was removed without a gap record
    HASH_MISMATCH = "hash_mismatch"  # content or stored hash changed
    UNREADABLE = "unreadable"  # does not decrypt
    ATTACHMENT = "attachment"  # an attachment file is missing, altered or does not match its hash
    HEAD = "head"  # the end of the chain does not match what was last written (truncated or rolled back)


@dataclass(frozen=True)
class BrokenLink:
    number: int
    problem: ChainProblem
    entry_id: str | None = None


@dataclass(frozen=True)
class ChainReport:
    length: int
    broken: BrokenLink | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None
