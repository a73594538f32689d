"""The incident journal as plain async Python (no Telegram imports): entries, the guided draft, corrections,
deletion, verification and export.

Every method takes the pseudonymous `user_key` (bot.privacy.Pseudonymizer.user_key), never a Telegram id.

Opening the journal
    status(user_key) -> JournalStatus          exists? PIN? unlocked? locked out until? a draft waiting?
    exists(user_key) -> bool                   is there a journal at all (no key needed)
    create(user_key, pin=None)                 first use; with a PIN, warn first: a forgotten PIN is final
    unlock(user_key, pin=None)                 raises PinRequired, WrongPin(tries_left), LockedOut(until)
    require_open(user_key)                     raises JournalLocked unless the key is in memory (and uses it)
    is_open(user_key) -> bool                  is the key in memory (not a use)
    lock(user_key)                             forget the key now (Exit, or "lock" in the menu)
    forget_idle_keys() -> int                  forget every key left idle too long (a periodic job)
    set_pin / change_pin / remove_pin          rewrap the key only; change/remove need the current PIN
A PIN dialog keeps no PIN as typed between her messages:
    pending = journal.pending_pin(first)       # raises JournalInputError (length); a salted digest only
    pending.matches(second) -> bool            # the same PIN typed again?
    change = await journal.begin_pin_change(key, current)   # checks it like unlock (a wrong one counts)
    await journal.change_pin(key, change, new)              # once, before the journal locks again
Every other method needs the journal unlocked and raises JournalLocked when the key is not in memory (expired
after 10 minutes idle by default, locked, or no journal at all — status() tells which): ask for the PIN,
unlock, and call again — a draft waits, encrypted, in the database.

The guided entry, one message at a time (each step skippable except the date)
    draft = await journal.start_entry(key)            # or start_correction(key, entry_id): starts at REVIEW
    draft.step is Step.DATE                            # show the prompt for draft.step
    draft = await journal.answer(key, "вчера")         # parses for the current step, moves to the next
    draft = await journal.skip(key)                    # leaves the step empty, moves on (not for the date)
    draft = await journal.clear(key)                   # empties the step's value, moves on (corrections)
    draft = await journal.add_attachment(key, NewAttachment(data, AttachmentKind.PHOTO, "a.jpg", "image/jpeg"))
    draft = await journal.choose(key, step, "today")   # a button of the prompt for `step`: skip, clear, today…
    draft = await journal.go_to(key, Step.PLACE)       # from the review: change one answer, then back to REVIEW
    journal.check_file(draft, size)                    # before downloading a file: too large? too many?
    entry = await journal.save_draft(key)              # appends the entry (or correction) to the chain
    await journal.cancel_draft(key)                    # drops the draft and the files added to it
A refused answer raises JournalInputError(code); the draft stays at the same step. The codes map to UI
strings in bot.journal.ui_keys.INPUT_ERROR_KEYS; date errors take {example} = date_example(today).
Steps, in order: DATE, TIME, PLACE, WHAT_HAPPENED, INJURIES, WITNESSES, CHILDREN (answer "yes", "no" or
"unknown"), POLICE, MEDICAL, ATTACHMENTS (files at any step; skip() when done), REVIEW.

Reading and changing
    entries(key, current_only=False)  entries and corrections in incident-date order
    records(key)                      every link in chain order, gap records and unreadable rows included
    entry(key, entry_id), read_attachment(key, file_id)
    add_entry(key, fields, attachments), correct_entry(key, entry_id, fields, attachments)
    delete_entry(key, entry_id)       deletes the entry with all its versions and files; appends a gap record
    delete_all(key)                   crypto-shredding: key, rows and files; needs no PIN (also for /forget)
    verify(key) -> ChainReport        the first broken link, if any
    export_pdf(key, ui), export_text(key, ui) -> bytes   (ui: bot.content.i18n.Localizer of her language)
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.content.i18n import Localizer
from bot.journal import calibration, chain, codec, export, parsing, sealing
from bot.journal.files import AttachmentStore, new_file_name
from bot.journal.keys import DEFAULT_ARGON2, DEFAULT_IDLE_SECONDS, Argon2Params, JournalKeys, PendingPin, PinChange
from bot.journal.model import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    STEPS,
    TEXT_STEPS,
    Attachment,
    BrokenLink,
    ChainProblem,
    ChainReport,
    ChildrenPresent,
    Draft,
    Entry,
    EntryFields,
    InputError,
    JournalDamaged,
    JournalInputError,
    JournalStatus,
    NewAttachment,
    NoDraft,
    NoJournal,
    NotFound,
    RecordKind,
    RemovedLink,
    Step,
)
from bot.journal.plan import PlanStep, SafetyPlan
from bot.journal.repository import EntryRow, JournalRepository
from bot.storage.database import Database
from bot.timezone import ALMATY

log = logging.getLogger(__name__)

SALT_BYTES = 16
MAX_NAME_CHARS = 255
# The answers a step's buttons give (skip and clear work at every step that has them).
BUTTON_ANSWERS: dict[Step, frozenset[str]] = {
    Step.DATE: frozenset({"today", "yesterday"}),
    Step.CHILDREN: frozenset(choice.value for choice in ChildrenPresent),
}


class JournalService:
    def __init__(
        self,
        database: Database,
        data_dir: Path,
        secret_key: bytes,
        *,
        argon2: Argon2Params = DEFAULT_ARGON2,
        legacy_kek: bytes | None = None,
        calibrate: bool = False,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        max_parallel_kdf: int = 2,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repo = JournalRepository(database)
        self._files = AttachmentStore(data_dir)
        self.keys = JournalKeys(
            self._repo,
            secret_key,
            argon2=argon2,
            legacy_kek=legacy_kek,
            idle_seconds=idle_seconds,
            max_parallel_kdf=max_parallel_kdf,
            clock=clock,
            monotonic=monotonic,
        )
        self._clock = clock
        # New PINs: Argon2id at >= 250 ms a guess on this machine (calibration.py); off for tests' cheap params.
        self._calibrate, self._calibration_read = calibrate, False

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        # One wall clock for creation times, "today" and lockouts; replaceable in tests.
        self._clock = clock
        self.keys.clock = clock

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(int(self._clock()), dt.UTC)

    def today(self) -> dt.date:
        """Today in Kazakhstan (UTC+5): what "today" and "yesterday" mean to her."""
        return self.now().astimezone(ALMATY).date()

    # Opening the journal

    async def status(self, user_key: str) -> JournalStatus:
        row = await self._repo.key(user_key)
        if row is None:
            return JournalStatus(exists=False)
        return JournalStatus(
            exists=True,
            has_pin=row.has_pin,
            unlocked=self.keys.is_unlocked(user_key),
            locked_until=self.keys.locked_until(row),
            has_draft=await self._repo.draft(user_key) is not None,
        )

    async def create(self, user_key: str, pin: str | None = None) -> None:
        if pin is not None:
            await self._calibrated()
        await self.keys.create(user_key, pin)
        log.info("journal created pin=%s", pin is not None)

    async def exists(self, user_key: str) -> bool:
        return await self.keys.exists(user_key)

    async def unlock(self, user_key: str, pin: str | None = None) -> bool:
        """True when she should be asked (this once) to lengthen a PIN made before 6 characters were needed."""
        return await self.keys.unlock(user_key, pin)

    async def short_pin_asked(self, user_key: str) -> None:
        await self.keys.short_pin_asked(user_key)

    async def _calibrated(self) -> None:
        """Before a new PIN is wrapped: the calibration (read once per process, measured when missing or a month
        old). Measured here rather than at start, where a second of full CPU slowed every first answer."""
        if self._calibrate and not self._calibration_read:
            await self.calibrate_pin_kdf()
            self._calibration_read = True

    async def calibrate_pin_kdf(self) -> Argon2Params:
        """New PINs get Argon2id parameters that cost at least 250 ms a guess on this machine: the ones measured
        before if recent, else measured now (in a worker thread, about a second). Returns what is used."""
        stored = await self._repo.pin_kdf()
        if stored is not None and self._clock() - stored[2] < calibration.RECALIBRATE_AFTER_DAYS * 86400:
            with contextlib.suppress(JournalDamaged):
                self.keys.argon2 = Argon2Params.decode(stored[0])
                return self.keys.argon2
        params, took = await asyncio.to_thread(calibration.calibrate, self.keys.argon2)
        async with self._repo.transaction():
            await self._repo.set_pin_kdf(params.encode(), round(took * 1000), int(self._clock()))
        self.keys.argon2 = params
        log.info("PIN key derivation calibrated params=%s guess_ms=%d", params.encode(), round(took * 1000))
        return params

    def require_open(self, user_key: str) -> None:
        """For what only an open journal offers (its PIN menu, "delete everything" from the menu): raises
        JournalLocked otherwise. Counts as a use: the idle timer restarts."""
        self.keys.aead(user_key)

    def is_open(self, user_key: str) -> bool:
        """Whether her key is in memory now; unlike require_open, not a use (the idle timer goes on)."""
        return self.keys.is_unlocked(user_key)

    def lock(self, user_key: str) -> None:
        self.keys.lock(user_key)

    def forget_idle_keys(self) -> int:
        """Forget every key idle for too long, so none stays in memory just because nobody came back."""
        return self.keys.purge_expired()

    @staticmethod
    def pending_pin(typed: str) -> PendingPin:
        """A new PIN's first typing, to compare the second with. Raises JournalInputError (too short, too long)."""
        return PendingPin.of(typed)

    async def set_pin(self, user_key: str, new_pin: str) -> None:
        await self._calibrated()
        await self.keys.set_pin(user_key, new_pin)

    async def begin_pin_change(self, user_key: str, current_pin: str) -> PinChange:
        """Check the current PIN as unlock() does (a wrong one counts) before she picks a new one; the
        PinChange returned stands for it in change_pin(), once, until the journal locks."""
        return await self.keys.begin_pin_change(user_key, current_pin)

    async def change_pin(self, user_key: str, current: PinChange | str, new_pin: str) -> None:
        await self._calibrated()
        await self.keys.change_pin(user_key, current, new_pin)

    async def remove_pin(self, user_key: str, current_pin: str) -> None:
        await self.keys.remove_pin(user_key, current_pin)

    # The guided entry

    async def draft(self, user_key: str) -> Draft | None:
        aead = self.keys.aead(user_key)
        return await self._load_draft(user_key, aead)

    async def start_entry(self, user_key: str) -> Draft:
        """A new, empty draft at the DATE step. An unfinished draft is discarded: check draft() first."""
        return await self._start(user_key, Draft())

    async def start_correction(self, user_key: str, entry_id: str) -> Draft:
        """A draft holding the entry's current values, at the REVIEW step: she picks what to change."""
        aead = self.keys.aead(user_key)
        latest = self._latest_version(await self._records(user_key, aead), entry_id)
        fields = latest.fields
        assert fields is not None
        texts = {name: value for name in TEXT_STEPS.values() if (value := getattr(fields, name)) is not None}
        draft = Draft(
            step=Step.REVIEW,
            occurred_on=fields.occurred_on,
            occurred_time=fields.occurred_time,
            texts=texts,
            children_present=fields.children_present,
            attachments=latest.attachments,
            corrects=latest.entry_id,
        )
        return await self._start(user_key, draft)

    async def answer(self, user_key: str, text: str) -> Draft:
        """Her answer to the current step. Raises JournalInputError; the draft then stays where it was."""
        aead, draft = await self._require_draft(user_key)
        step = draft.step
        if step is Step.DATE:
            draft = replace(draft, occurred_on=parsing.parse_date(text, self.today()))
        elif step is Step.TIME:
            draft = replace(draft, occurred_time=parsing.parse_time(text))
        elif step in TEXT_STEPS:
            draft = replace(draft, texts=_with_text(draft.texts, TEXT_STEPS[step], parsing.clean_text(text)))
        elif step is Step.CHILDREN:
            draft = replace(draft, children_present=parsing.parse_children(text))
        elif step is Step.ATTACHMENTS:
            raise JournalInputError(InputError.EXPECTS_FILE)
        else:
            raise JournalInputError(InputError.NOT_NOW)
        return await self._store_draft(user_key, aead, _advance(draft))

    async def skip(self, user_key: str) -> Draft:
        """Move on without answering (keeps what a correction already holds). The date cannot be skipped."""
        aead, draft = await self._require_draft(user_key)
        if draft.step is Step.REVIEW:
            raise JournalInputError(InputError.NOT_NOW)
        if draft.step is Step.DATE and draft.occurred_on is None:
            raise JournalInputError(InputError.DATE_REQUIRED)
        return await self._store_draft(user_key, aead, _advance(draft))

    async def clear(self, user_key: str) -> Draft:
        """Empty the current step's value and move on (in a correction: "this was wrong, remove it")."""
        aead, draft = await self._require_draft(user_key)
        step = draft.step
        if step is Step.DATE:
            raise JournalInputError(InputError.DATE_REQUIRED)
        if step is Step.TIME:
            draft = replace(draft, occurred_time=None)
        elif step in TEXT_STEPS:
            draft = replace(draft, texts=_with_text(draft.texts, TEXT_STEPS[step], None))
        elif step is Step.CHILDREN:
            draft = replace(draft, children_present=None)
        else:
            raise JournalInputError(InputError.NOT_NOW)
        return await self._store_draft(user_key, aead, _advance(draft))

    async def choose(self, user_key: str, step: Step | None, choice: str) -> Draft:
        """A button of the prompt for `step`: "skip", "clear", or an answer of BUTTON_ANSWERS. Only for the
        step the draft is at: an older prompt's button (or one for no step) raises JournalInputError(NOT_NOW)."""
        _, draft = await self._require_draft(user_key)
        if step is not draft.step:
            raise JournalInputError(InputError.NOT_NOW)
        if choice == "skip":
            return await self.skip(user_key)
        if choice == "clear":
            return await self.clear(user_key)
        if choice in BUTTON_ANSWERS.get(step, ()):
            return await self.answer(user_key, choice)
        raise JournalInputError(InputError.NOT_NOW)

    async def go_to(self, user_key: str, step: Step) -> Draft:
        """Change one answer (from the review), or back to REVIEW. Before the date is given there is nothing
        to review or change: the draft stays at the date."""
        aead, draft = await self._require_draft(user_key)
        if draft.occurred_on is None:
            step = Step.DATE
        back = step is not Step.REVIEW and (draft.step is Step.REVIEW or draft.back_to_review)
        return await self._store_draft(user_key, aead, replace(draft, step=step, back_to_review=back))

    @staticmethod
    def check_file(draft: Draft, size: int | None) -> None:
        """Before a file is downloaded at all: raises FILE_TOO_LARGE or TOO_MANY_FILES if it cannot be added
        (size: as announced, None if unknown; add_attachment checks the real bytes again)."""
        if size is not None and size > MAX_ATTACHMENT_BYTES:
            raise JournalInputError(InputError.FILE_TOO_LARGE)
        if len(draft.attachments) >= MAX_ATTACHMENTS:
            raise JournalInputError(InputError.TOO_MANY_FILES)

    async def add_attachment(self, user_key: str, new: NewAttachment) -> Draft:
        """Accepted at any step; the step does not change. Raises FILE_TOO_LARGE or TOO_MANY_FILES."""
        aead, draft = await self._require_draft(user_key)
        if len(draft.attachments) >= MAX_ATTACHMENTS:
            raise JournalInputError(InputError.TOO_MANY_FILES)
        attachment = await self._write_file(user_key, aead, new)
        draft = replace(
            draft,
            attachments=(*draft.attachments, attachment),
            new_files=draft.new_files | {attachment.file_id},
        )
        try:
            async with self._repo.transaction():
                await self._repo.add_file(user_key, attachment.file_id)
                await self._repo.save_draft(user_key, self._seal_draft(user_key, aead, draft))
        except BaseException:
            await asyncio.to_thread(self._files.delete, [attachment.file_id])
            raise
        return draft

    async def remove_attachment(self, user_key: str, file_id: str) -> Draft:
        aead, draft = await self._require_draft(user_key)
        if file_id not in {item.file_id for item in draft.attachments}:
            raise NotFound()
        # A file inherited from the corrected version stays: that version still refers to it.
        dropped = [file_id] if file_id in draft.new_files else []
        draft = replace(
            draft,
            attachments=tuple(item for item in draft.attachments if item.file_id != file_id),
            new_files=draft.new_files - {file_id},
        )
        async with self._repo.transaction():
            await self._repo.delete_files(user_key, dropped)
            await self._repo.save_draft(user_key, self._seal_draft(user_key, aead, draft))
        await asyncio.to_thread(self._files.delete, dropped)
        return draft

    async def cancel_draft(self, user_key: str) -> None:
        aead = self.keys.aead(user_key)
        draft = await self._load_draft(user_key, aead)
        dropped = sorted(draft.new_files) if draft else []
        async with self._repo.transaction():
            await self._repo.delete_files(user_key, dropped)
            await self._repo.delete_draft(user_key)
        await asyncio.to_thread(self._files.delete, dropped)
        await self._repo.checkpoint()

    async def save_draft(self, user_key: str) -> Entry:
        aead, draft = await self._require_draft(user_key)
        if draft.occurred_on is None:
            raise JournalInputError(InputError.DATE_REQUIRED)
        fields = EntryFields(
            occurred_on=parsing.check_not_future(draft.occurred_on, self.today()),
            occurred_time=draft.occurred_time,
            children_present=draft.children_present,
            **{name: draft.texts.get(name) for name in TEXT_STEPS.values()},
        )
        corrects = None
        if draft.corrects is not None:
            corrects = self._latest_version(await self._records(user_key, aead), draft.corrects).entry_id
        kind = RecordKind.CORRECTION if corrects else RecordKind.ENTRY
        entry = await self._append(
            user_key,
            aead,
            lambda number, entry_id, now: Entry(
                number, entry_id, kind, "", now, fields, draft.attachments, corrects, salt=os.urandom(SALT_BYTES)
            ),
            drop_draft=True,
        )
        log.info("journal entry saved kind=%s attachments=%d", kind.value, len(entry.attachments))
        return entry

    # Entries without the guided flow

    async def add_entry(self, user_key: str, fields: EntryFields, attachments: Sequence[NewAttachment] = ()) -> Entry:
        return await self._add(user_key, fields, attachments, corrects=None, inherited=())

    async def correct_entry(
        self,
        user_key: str,
        entry_id: str,
        fields: EntryFields,
        attachments: Sequence[NewAttachment] = (),
        *,
        keep_attachments: bool = True,
    ) -> Entry:
        """Append a new version of an entry (its latest version if it was corrected before)."""
        aead = self.keys.aead(user_key)
        latest = self._latest_version(await self._records(user_key, aead), entry_id)
        inherited = latest.attachments if keep_attachments else ()
        return await self._add(user_key, fields, attachments, corrects=latest.entry_id, inherited=inherited)

    async def delete_entry(self, user_key: str, entry_id: str) -> Entry:
        """Delete an entry with all its versions and files. Its place in the chain stays visible: a gap
        record, appended now, keeps the deleted links' numbers and hashes. Returns the gap record."""
        aead = self.keys.aead(user_key)
        records = await self._records(user_key, aead)
        by_id = {record.entry_id: record for record in records}
        target = by_id.get(entry_id)
        if target is None or target.kind not in (RecordKind.ENTRY, RecordKind.CORRECTION):
            raise NotFound()
        family = [record for record in records if _root(record, by_id) == _root(target, by_id)]
        removed = tuple(RemovedLink(record.number, record.entry_id, record.entry_hash) for record in family)
        files = sorted({item.file_id for record in family for item in record.attachments})
        gap = await self._append(
            user_key,
            aead,
            lambda number, new_id, now: Entry(
                number, new_id, RecordKind.GAP, "", now, removed=removed, salt=os.urandom(SALT_BYTES)
            ),
            delete_numbers=[record.number for record in family],
            delete_files=files,
        )
        await asyncio.to_thread(self._files.delete, files)
        # The journal's key lives on, so the deleted rows must not linger in the WAL either.
        await self._repo.checkpoint()
        log.info("journal entry deleted versions=%d files=%d", len(family), len(files))
        return gap

    async def delete_all(self, user_key: str) -> None:
        """Crypto-shredding: the wrapped key, every row and every file. Works locked, without the PIN, so
        /forget and a forgotten PIN can always end the journal."""
        async with self._repo.transaction():
            names = await self._repo.delete_journal(user_key)
        self.keys.forget(user_key)
        await asyncio.to_thread(self._files.delete, names)
        # secure_delete zeroes the freed pages; the checkpoint empties the WAL, which still held them.
        await self._repo.checkpoint()
        log.info("journal deleted files=%d", len(names))

    async def remove_stray_files(self) -> int:
        """At start-up: files no row refers to (a crash between writing a file and its row)."""
        keep = await self._repo.all_file_names()
        removed = await asyncio.to_thread(self._files.remove_stray, keep)
        if removed:
            log.warning("journal stray files removed count=%d", removed)
        return removed

    # Reading

    async def records(self, user_key: str) -> list[Entry]:
        """Every link of the chain in the order written, gap records and unreadable rows included."""
        return await self._records(user_key, self.keys.aead(user_key))

    async def entries(self, user_key: str, *, current_only: bool = False) -> list[Entry]:
        """Entries and corrections, by the incident's date and time (then by when written)."""
        found = [
            record
            for record in await self.records(user_key)
            if record.fields is not None and not (current_only and record.corrected_by)
        ]
        return sorted(found, key=_date_order)

    async def entry(self, user_key: str, entry_id: str) -> Entry:
        for record in await self.records(user_key):
            if record.entry_id == entry_id and record.kind in (RecordKind.ENTRY, RecordKind.CORRECTION):
                return record
        raise NotFound()

    async def read_attachment(self, user_key: str, file_id: str) -> bytes:
        """The original bytes; raises JournalDamaged if the file was altered or is not this journal's."""
        aead = self.keys.aead(user_key)
        attachment = next(
            (
                item
                for record in await self._records(user_key, aead)
                for item in record.attachments
                if item.file_id == file_id
            ),
            None,
        )
        if attachment is None:
            raise NotFound()
        return await asyncio.to_thread(self._read_file, user_key, aead, attachment)

    async def verify(self, user_key: str, *, check_files: bool = True) -> ChainReport:
        aead = self.keys.aead(user_key)
        links = await self._links(user_key, aead)
        row = await self._repo.key(user_key)
        if row is None:
            raise NoJournal()
        try:
            head = sealing.open_head(aead, row.chain_head, sealing.head_context(self.keys.identity(user_key)))
        except JournalDamaged:
            return ChainReport(0, BrokenLink(0, ChainProblem.HEAD))
        files_ok = (lambda entry: self._attachments_ok(user_key, aead, entry)) if check_files else None
        return await asyncio.to_thread(chain.verify, links, head, files_ok)

    # Export

    # Her safety plan

    async def plan(self, user_key: str) -> SafetyPlan:
        """Her plan (empty until she writes a step). Raises JournalLocked."""
        aead = self.keys.aead(user_key)
        sealed = await self._repo.plan(user_key)
        if sealed is None:
            return SafetyPlan()
        context = sealing.plan_context(self.keys.identity(user_key))
        return SafetyPlan.decode(sealing.open_sealed(aead, sealed, context))

    async def set_plan_answer(self, user_key: str, step: PlanStep, text: str | None) -> SafetyPlan:
        """Her words for one step (None or empty clears it). Raises JournalLocked, JournalInputError (too long)."""
        plan = (await self.plan(user_key)).with_answer(step, text)
        aead = self.keys.aead(user_key)
        sealed = sealing.seal_record(aead, plan.encode(), sealing.plan_context(self.keys.identity(user_key)))
        async with self._repo.transaction():
            if await self._repo.key(user_key) is None:
                raise NoJournal()
            await self._repo.save_plan(user_key, sealed)
        return plan

    async def export_pdf(self, user_key: str, ui: Localizer) -> bytes:
        data = await self._export_data(user_key)
        return await asyncio.to_thread(export.build_pdf, data, ui)

    async def export_text(self, user_key: str, ui: Localizer) -> bytes:
        data = await self._export_data(user_key)
        return (await asyncio.to_thread(export.build_text, data, ui)).encode("utf-8")

    async def _export_data(self, user_key: str) -> export.ExportData:
        aead = self.keys.aead(user_key)
        records = await self._records(user_key, aead)
        report = await self.verify(user_key)

        def load_image(attachment: Attachment) -> bytes | None:
            try:
                return self._read_file(user_key, aead, attachment)
            except (JournalDamaged, OSError, ValueError):
                return None

        return export.ExportData(records, report, self.now(), load_image, await self.plan(user_key))

    # Internals: drafts

    async def _start(self, user_key: str, draft: Draft) -> Draft:
        aead = self.keys.aead(user_key)
        if not await self.keys.exists(user_key):
            raise NoJournal()
        previous = await self._load_draft(user_key, aead)
        stale = sorted(previous.new_files) if previous else []
        async with self._repo.transaction():
            await self._repo.delete_files(user_key, stale)
            await self._repo.save_draft(user_key, self._seal_draft(user_key, aead, draft))
        await asyncio.to_thread(self._files.delete, stale)
        return draft

    async def _require_draft(self, user_key: str) -> tuple[AESGCM, Draft]:
        aead = self.keys.aead(user_key)
        draft = await self._load_draft(user_key, aead)
        if draft is None:
            raise NoDraft()
        return aead, draft

    async def _load_draft(self, user_key: str, aead: AESGCM) -> Draft | None:
        sealed = await self._repo.draft(user_key)
        if sealed is None:
            return None
        context = sealing.draft_context(self.keys.identity(user_key))
        return codec.decode_draft(sealing.open_sealed(aead, sealed, context))

    async def _store_draft(self, user_key: str, aead: AESGCM, draft: Draft) -> Draft:
        async with self._repo.transaction():
            await self._repo.save_draft(user_key, self._seal_draft(user_key, aead, draft))
        return draft

    def _seal_draft(self, user_key: str, aead: AESGCM, draft: Draft) -> bytes:
        return sealing.seal_record(aead, codec.encode_draft(draft), sealing.draft_context(self.keys.identity(user_key)))

    # Internals: the chain

    async def _add(
        self,
        user_key: str,
        fields: EntryFields,
        attachments: Sequence[NewAttachment],
        *,
        corrects: str | None,
        inherited: tuple[Attachment, ...],
    ) -> Entry:
        aead = self.keys.aead(user_key)
        fields = _checked(fields, self.today())
        if len(inherited) + len(attachments) > MAX_ATTACHMENTS:
            raise JournalInputError(InputError.TOO_MANY_FILES)
        written: list[Attachment] = []
        try:
            for new in attachments:
                written.append(await self._write_file(user_key, aead, new))
            kind = RecordKind.CORRECTION if corrects else RecordKind.ENTRY
            every = (*inherited, *written)
            return await self._append(
                user_key,
                aead,
                lambda number, entry_id, now: Entry(
                    number, entry_id, kind, "", now, fields, every, corrects, salt=os.urandom(SALT_BYTES)
                ),
                add_files=[item.file_id for item in written],
            )
        except BaseException:
            await asyncio.to_thread(self._files.delete, [item.file_id for item in written])
            raise

    async def _append(
        self,
        user_key: str,
        aead: AESGCM,
        make: Callable[[int, str, dt.datetime], Entry],
        *,
        add_files: Sequence[str] = (),
        delete_numbers: Sequence[int] = (),
        delete_files: Sequence[str] = (),
        drop_draft: bool = False,
    ) -> Entry:
        """Write one link at the end of the chain, with the row changes that belong to it, atomically."""
        head_context = sealing.head_context(self.keys.identity(user_key))
        async with self._repo.transaction():
            row = await self._repo.key(user_key)
            if row is None:
                raise NoJournal()
            length, last = sealing.open_head(aead, row.chain_head, head_context)
            number = length + 1
            entry = make(number, secrets.token_hex(16), self.now())
            digest = chain.link_hash(last or chain.GENESIS, entry)
            entry = replace(entry, entry_hash=digest.hex())
            context = sealing.entry_context(self.keys.identity(user_key), entry.entry_id, number)
            payload = sealing.seal_record(aead, codec.encode_entry(entry), context)
            await self._repo.delete_entries(user_key, delete_numbers)
            await self._repo.delete_files(user_key, delete_files)
            for name in add_files:
                await self._repo.add_file(user_key, name)
            await self._repo.insert_entry(EntryRow(user_key, number, entry.entry_id, digest, payload))
            await self._repo.set_head(user_key, sealing.seal_head(aead, number, digest, head_context))
            if drop_draft:
                await self._repo.delete_draft(user_key)
        return entry

    async def _links(self, user_key: str, aead: AESGCM) -> list[chain.StoredLink]:
        links = []
        identity = self.keys.identity(user_key)
        for row in await self._repo.entries(user_key):
            try:
                plain = sealing.open_sealed(aead, row.payload, sealing.entry_context(identity, row.entry_id, row.seq))
                entry = codec.decode_entry(plain, row.seq, row.entry_id, row.entry_hash)
            except JournalDamaged:
                log.warning("journal entry unreadable entry=%s", row.entry_id)
                entry = Entry(row.seq, row.entry_id, RecordKind.UNREADABLE, row.entry_hash.hex())
            links.append(chain.StoredLink(row.seq, row.entry_id, row.entry_hash, entry))
        return links

    async def _records(self, user_key: str, aead: AESGCM) -> list[Entry]:
        records = [link.entry for link in await self._links(user_key, aead) if link.entry is not None]
        newer = {record.corrects: record.entry_id for record in records if record.corrects}
        return [replace(record, corrected_by=newer.get(record.entry_id)) for record in records]

    @staticmethod
    def _latest_version(records: list[Entry], entry_id: str) -> Entry:
        by_id = {record.entry_id: record for record in records}
        record = by_id.get(entry_id)
        if record is None or record.fields is None:
            raise NotFound()
        seen = set()
        while record.corrected_by and record.corrected_by in by_id and record.entry_id not in seen:
            seen.add(record.entry_id)
            record = by_id[record.corrected_by]
        return record

    # Internals: files

    async def _write_file(self, user_key: str, aead: AESGCM, new: NewAttachment) -> Attachment:
        if len(new.data) > MAX_ATTACHMENT_BYTES:
            raise JournalInputError(InputError.FILE_TOO_LARGE)
        name = new_file_name()
        attachment = Attachment(
            file_id=name,
            kind=new.kind,
            size=len(new.data),
            sha256=hashlib.sha256(new.data).hexdigest(),
            name=new.name[:MAX_NAME_CHARS] if new.name else None,
            mime_type=new.mime_type or _sniff(new.data),
        )

        context = sealing.file_context(self.keys.identity(user_key), name)

        def seal_and_write() -> None:
            self._files.write(name, sealing.seal_file(aead, new.data, context))

        await asyncio.to_thread(seal_and_write)
        return attachment

    def _read_file(self, user_key: str, aead: AESGCM, attachment: Attachment) -> bytes:
        sealed = self._files.read(attachment.file_id)
        data = sealing.open_file(aead, sealed, sealing.file_context(self.keys.identity(user_key), attachment.file_id))
        if hashlib.sha256(data).hexdigest() != attachment.sha256:
            raise JournalDamaged("an attachment does not match its hash")
        return data

    def _attachments_ok(self, user_key: str, aead: AESGCM, entry: Entry) -> bool:
        try:
            for attachment in entry.attachments:
                self._read_file(user_key, aead, attachment)
        except (JournalDamaged, OSError, ValueError):
            return False
        return True


def _checked(fields: EntryFields, today: dt.date) -> EntryFields:
    parsing.check_not_future(fields.occurred_on, today)
    texts: dict[str, Any] = {name: parsing.clean_text(getattr(fields, name)) for name in TEXT_STEPS.values()}
    return replace(fields, **texts)


def _advance(draft: Draft) -> Draft:
    if draft.back_to_review:
        return replace(draft, step=Step.REVIEW, back_to_review=False)
    following = STEPS[min(STEPS.index(draft.step) + 1, len(STEPS) - 1)]
    return replace(draft, step=following)


def _with_text(texts: dict[str, str], name: str, value: str | None) -> dict[str, str]:
    updated = {key: text for key, text in texts.items() if key != name}
    if value is not None:
        updated[name] = value
    return updated


def _root(record: Entry, by_id: dict[str, Entry]) -> str:
    seen = set()
    while record.corrects and record.corrects in by_id and record.entry_id not in seen:
        seen.add(record.entry_id)
        record = by_id[record.corrects]
    return record.entry_id


def _date_order(record: Entry) -> tuple[dt.date, dt.time, int]:
    assert record.fields is not None
    return record.fields.occurred_on, record.fields.occurred_time or dt.time.min, record.number


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None
