"""`python -m bot keys rotate | status | finish`: move the database from one BOT_SECRET_KEY to another.

rotate   With the bot stopped, the old key (BOT_SECRET_KEY_PREVIOUS) and the new one (BOT_SECRET_KEY): the key
         check is switched and the people who cannot move yet are listed, in one transaction; then every sealed
         value is re-sealed and every journal key wrapped by the server key alone is re-wrapped, in batches of
         one transaction each. Interrupted, it is run again with the same keys and goes on where it stopped
         (each value is first tried with the new key). The bot refuses to start until it has finished.
status   How many people have not written since, and how many PIN journals wait for their PIN.
finish   Ends the rotation: the previous key's subkeys are deleted, with everything of the people who never
         came back (and the PIN journals never opened since, which nothing could open after).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag

from bot.crypto import (
    CASE_CHAT_ID,
    INBOX_UPDATE,
    JOURNAL_BINDING,
    JOURNAL_KEK,
    RELAY_FILE,
    WIPE_CHAT_ID,
    Sealer,
    derive_key,
)
from bot.journal.files import AttachmentStore
from bot.journal.keys import unwrap_with_server, wrap_with_server
from bot.journal.model import JournalDamaged
from bot.rotation.legacy import LegacyKeys
from bot.storage.database import Database
from bot.storage.key_check import check_value
from bot.storage.rotation import SEALED_COLUMNS, RotationRepository, RotationState

# What each sealed column was sealed for (bot/crypto.py); every table of SEALED_COLUMNS is here.
PURPOSES = {
    "wipe_schedule": WIPE_CHAT_ID,
    "timed_deletions": WIPE_CHAT_ID,
    "cases": CASE_CHAT_ID,
    "journal_keys": JOURNAL_BINDING,
    "outbox": RELAY_FILE,
    "update_inbox": INBOX_UPDATE,
}
assert set(PURPOSES) == {sealed.table for sealed in SEALED_COLUMNS}


class RotationError(Exception):
    """A rotation cannot go on; the message says why, for the operator."""


@dataclass
class RotationReport:
    resealed: dict[str, int] = field(default_factory=dict)  # per table, values re-sealed now
    rewrapped: int = 0  # journal keys without a PIN
    waiting_people: int = 0
    waiting_pin_journals: int = 0
    resumed: bool = False
    already_done: bool = False


async def rotate(
    database: Database, previous_key: bytes, new_key: bytes, *, clock: Callable[[], float] = time.time
) -> RotationReport:
    if previous_key == new_key:
        raise RotationError("the previous and the new key are the same")
    repo = RotationRepository(database)
    previous_check, new_check = check_value(previous_key), check_value(new_key)
    current, state = await repo.key_check(), await repo.state()
    report = RotationReport()
    if current == previous_check:
        if state is not None:
            raise RotationError(
                "an earlier rotation is not finished (python -m bot keys status); finish it before rotating again"
            )
        legacy = LegacyKeys.of(previous_key).seal(new_key, previous_check)
        async with repo.transaction():
            await repo.begin(new_check, previous_check, legacy, int(clock()))
    elif current == new_check and state is not None and state.previous_check == previous_check:
        report.resumed = True
        if state.resealed_at is not None:
            report.already_done = True
    elif current is None:
        raise RotationError("this database has no key check yet: start the bot once with its key first")
    else:
        raise RotationError("BOT_SECRET_KEY_PREVIOUS is not the key this database belongs to; nothing was changed")
    if not report.already_done:
        for sealed in SEALED_COLUMNS:
            report.resealed[sealed.table] = await _reseal(repo, sealed.table, previous_key, new_key)
        report.rewrapped = await _rewrap_server_wraps(repo, previous_key, new_key)
        async with repo.transaction():
            await repo.mark_resealed(int(clock()))
        await database.checkpoint()  # the old seals must not linger in the write-ahead log
    report.waiting_people, report.waiting_pin_journals = await repo.counts()
    return report


async def _reseal(repo: RotationRepository, table: str, previous_key: bytes, new_key: bytes) -> int:
    old, new = Sealer(previous_key, PURPOSES[table]), Sealer(new_key, PURPOSES[table])
    done, after = 0, 0
    while batch := await repo.sealed_batch(table, after):
        async with repo.transaction():
            for rowid, row in batch:
                associated = row.associated.encode()
                try:
                    new.open(row.sealed, associated)
                    continue  # re-sealed by an earlier, interrupted run
                except InvalidTag:
                    pass
                try:
                    plain = old.open(row.sealed, associated)
                except InvalidTag:
                    raise RotationError(f"{table} row {rowid}: opens with neither key (damaged?)") from None
                await repo.set_sealed(table, row.row_key, new.seal(plain, associated))
                done += 1
        after = batch[-1][0]
    return done


async def _rewrap_server_wraps(repo: RotationRepository, previous_key: bytes, new_key: bytes) -> int:
    old_kek, new_kek = derive_key(previous_key, JOURNAL_KEK), derive_key(new_key, JOURNAL_KEK)
    bindings = Sealer(new_key, JOURNAL_BINDING)  # re-sealed just before
    done, after = 0, ""
    while batch := await repo.server_wraps(after):
        async with repo.transaction():
            for user_key, wrapped, binding in batch:
                identity = user_key if binding is None else bindings.open(binding, user_key.encode()).decode()
                try:
                    unwrap_with_server(new_kek, wrapped, identity)
                    continue
                except JournalDamaged:
                    pass
                try:
                    data_key = unwrap_with_server(old_kek, wrapped, identity)
                except JournalDamaged:
                    raise RotationError("a journal key opens with neither key (damaged?)") from None
                await repo.set_wrap(user_key, wrap_with_server(new_kek, data_key, identity))
                done += 1
        after = batch[-1][0]
    return done


@dataclass(frozen=True)
class RotationStatus:
    state: RotationState | None
    waiting_people: int
    waiting_pin_journals: int


async def status(database: Database) -> RotationStatus:
    repo = RotationRepository(database)
    people, journals = await repo.counts()
    return RotationStatus(await repo.state(), people, journals)


async def finish(database: Database, data_dir: Path, *, discard: bool) -> tuple[int, int]:
    """End the rotation. Refuses while someone still waits, unless `discard`; returns what was deleted
    (people, PIN journals)."""
    repo = RotationRepository(database)
    if await repo.state() is None:
        raise RotationError("no key rotation is going on")
    people, journals = await repo.counts()
    if (people or journals) and not discard:
        raise RotationError(
            f"{people} people have not written since the rotation and {journals} PIN journals were not opened "
            "since; finishing deletes them (nothing could open them afterwards) — add --discard to do so"
        )
    async with repo.transaction():
        files = await repo.forget_unmoved()
        await repo.end()
    AttachmentStore(data_dir).delete(files)
    await database.checkpoint()
    return people, journals


async def load_legacy(database: Database, secret_key: bytes) -> LegacyKeys | None:
    """The previous key's subkeys while a rotation waits for people; None when none is going on. Raises
    RotationError when the rotation was interrupted (the bot must not start half-way)."""
    state = await RotationRepository(database).state()
    if state is None:
        return None
    if state.resealed_at is None:
        raise RotationError(
            "a key rotation was interrupted; run `python -m bot keys rotate` again with the same keys to finish it"
        )
    return LegacyKeys.open(secret_key, state.previous_check, state.legacy_keys)
