"""The per-user data key of the journal: created, wrapped, unlocked with an optional PIN, forgotten, shredded.

Design
- Each journal has its own random 256-bit data key (AES-256-GCM). It is never stored in clear: the
  database holds it only *wrapped* (AES-GCM) under a key-encryption key (KEK):
  - without a PIN: server_kek = HKDF-SHA256(BOT_SECRET_KEY, info "journal-kek") (bot.crypto.derive_key);
  - with a PIN:    HKDF-SHA256(server_kek || Argon2id(PIN, salt), salt, info bound to the user_key).
  So with a PIN, neither a copy of the server key nor the PIN alone opens the journal.
- Argon2id runs through argon2-cffi's low-level hash_secret_raw, in a worker thread, at most
  `max_parallel_kdf` at a time (it takes ~64 MiB and a fraction of a second each). The parameters used are
  stored beside each wrap, so raising the defaults later does not break existing journals. Defaults:
  time_cost=3, memory_cost=64 MiB, parallelism=1 (OWASP's recommended minimum for Argon2id is lower).
- Setting, changing or removing the PIN rewraps the data key only; entries are not touched. After a rewrap
  the WAL is checkpointed, so the previous wrap does not linger in the -wal file.
- A PIN typed in a dialog is never kept as typed between two messages: the new PIN's first typing becomes a
  `PendingPin` (a salted digest, to compare the second typing with); a checked current PIN becomes a
  `PinChange` (a random token that only this process's memory can redeem, once, until the journal locks).
- Wrong PINs: after 5 wrong tries the journal is locked for 15 minutes; every further lockout doubles
  (30 min, 1 h, … capped at 24 h) until a correct PIN resets the count. Counters are in SQLite, so a
  restart does not reset them, and no PIN is even checked while locked.
- An unlocked key lives only in this process's memory and is forgotten after `idle_seconds` without use
  (default 10 minutes). Python cannot promise that freed key bytes are overwritten; that is a limit.
- Deleting the wrapped key is crypto-shredding: nothing of the journal can be decrypted afterwards.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.crypto import JOURNAL_BINDING, JOURNAL_KEK, Sealer, derive_key
from bot.journal import sealing
from bot.journal.model import (
    InputError,
    JournalDamaged,
    JournalExists,
    JournalInputError,
    JournalLocked,
    LockedOut,
    NoJournal,
    NoPinSet,
    PinAlreadySet,
    PinRequired,
    WrongPin,
)
from bot.journal.repository import JournalRepository, KeyRow

log = logging.getLogger(__name__)

DATA_KEY_BYTES = 32
PIN_SALT_BYTES = 16
PIN_MIN_CHARS = 6  # for a new PIN (issue 13): 10^6 guesses at >= 250 ms each is days of work, not minutes
OLD_PIN_MIN_CHARS = 4  # PINs made before still open their journal, and she is asked once to lengthen it
PIN_MAX_CHARS = 64
MAX_TRIES = 5
FIRST_LOCKOUT_SECONDS = 15 * 60
MAX_LOCKOUT_SECONDS = 24 * 3600
DEFAULT_IDLE_SECONDS = 10 * 60


@dataclass(frozen=True)
class Argon2Params:
    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 1

    def encode(self) -> str:
        return f"argon2id;t={self.time_cost};m={self.memory_cost_kib};p={self.parallelism}"

    @classmethod
    def decode(cls, text: str) -> Argon2Params:
        match = re.fullmatch(r"argon2id;t=(\d{1,3});m=(\d{1,8});p=(\d{1,2})", text)
        if not match:
            raise JournalDamaged("unknown PIN key derivation")
        params = cls(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        # A stored value decides how much memory we allocate: refuse absurd ones instead of obeying them.
        if not (1 <= params.time_cost <= 20 and 8 * params.parallelism <= params.memory_cost_kib <= 1024 * 1024):
            raise JournalDamaged("PIN key derivation parameters out of range")
        return params


DEFAULT_ARGON2 = Argon2Params()


def normalize_pin(pin: str, minimum: int = PIN_MIN_CHARS) -> str:
    """The PIN as hashed: surrounding spaces dropped, Unicode normalized (one way to type each character)."""
    pin = unicodedata.normalize("NFKC", pin).strip()
    if len(pin) < minimum:
        raise JournalInputError(InputError.PIN_TOO_SHORT)
    if len(pin) > PIN_MAX_CHARS:
        raise JournalInputError(InputError.PIN_TOO_LONG)
    return pin


@dataclass(frozen=True)
class PendingPin:
    """A new PIN typed once, waiting for her to type it again: a salted digest, never the PIN itself."""

    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)

    @classmethod
    def of(cls, typed: str) -> PendingPin:
        """Checked like any PIN: raises JournalInputError (too short, too long)."""
        salt = os.urandom(PIN_SALT_BYTES)
        return cls(salt, _pin_digest(salt, normalize_pin(typed)))

    def matches(self, typed: str) -> bool:
        try:
            normalized = normalize_pin(typed)
        except JournalInputError:
            return False  # a PIN of the wrong length is simply a different one
        return hmac.compare_digest(self.digest, _pin_digest(self.salt, normalized))


@dataclass(frozen=True)
class PinChange:
    """Stands for a current PIN checked by `JournalKeys.begin_pin_change`, so the dialog need not keep the
    PIN until the new one is confirmed. Opaque: a random token; what it unlocks stays in this process's
    memory, and is gone once used, or when the journal locks (idle, Lock, Exit, a new unlock)."""

    token: bytes = field(repr=False)


@dataclass
class _Unlocked:
    data_key: bytes
    aead: AESGCM
    last_used: float
    identity: str  # what its ciphertexts are bound to: her pseudonym when the journal was made
    pin_change: bytes | None = field(default=None, repr=False)  # the token of a PinChange, while it is valid


class JournalKeys:
    def __init__(
        self,
        repository: JournalRepository,
        secret_key: bytes,
        *,
        argon2: Argon2Params = DEFAULT_ARGON2,
        legacy_kek: bytes | None = None,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        max_parallel_kdf: int = 2,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repo = repository
        self._server_kek = derive_key(secret_key, JOURNAL_KEK)
        # After a key rotation: the previous key's journal subkey, for PIN wraps not yet renewed (keys rotate).
        self._legacy_kek = legacy_kek
        self._bindings = Sealer(secret_key, JOURNAL_BINDING)
        self.argon2 = argon2
        self.idle_seconds = idle_seconds
        self._kdf_slots = asyncio.Semaphore(max_parallel_kdf)
        self._unlocked: dict[str, _Unlocked] = {}
        self._user_locks: dict[str, asyncio.Lock] = {}
        self.clock = clock  # wall time, for lockouts (persisted)
        self.monotonic = monotonic  # for the idle timer (memory only)

    # State

    async def exists(self, user_key: str) -> bool:
        return await self._repo.key(user_key) is not None

    async def row(self, user_key: str) -> KeyRow:
        row = await self._repo.key(user_key)
        if row is None:
            raise NoJournal()
        return row

    def locked_until(self, row: KeyRow) -> dt.datetime | None:
        if row.locked_until > self.clock():
            return dt.datetime.fromtimestamp(row.locked_until, dt.UTC)
        return None

    def is_unlocked(self, user_key: str) -> bool:
        try:
            self._get(user_key, touch=False)
        except JournalLocked:
            return False
        return True

    def aead(self, user_key: str) -> AESGCM:
        """The unlocked data key as an AEAD; using it restarts the idle timer. Raises JournalLocked."""
        return self._get(user_key, touch=True).aead

    def identity(self, user_key: str) -> str:
        """What the open journal's ciphertexts are bound to (associated data): the pseudonym it was made under,
        which is her pseudonym unless a key rotation moved her since. Raises JournalLocked."""
        return self._get(user_key, touch=False).identity

    def lock(self, user_key: str) -> None:
        """Forget the unlocked key now (she tapped Lock or Exit)."""
        self._unlocked.pop(user_key, None)

    def purge_expired(self) -> int:
        """Forget every key idle for too long; a periodic job may call this. Returns how many."""
        now = self.monotonic()
        expired = [key for key, item in self._unlocked.items() if now - item.last_used > self.idle_seconds]
        for key in expired:
            del self._unlocked[key]
        return len(expired)

    # Life cycle

    async def create(self, user_key: str, pin: str | None = None) -> None:
        """A new journal with a fresh data key, left unlocked. With a PIN, say first that a forgotten PIN
        cannot be recovered by anyone."""
        pin = normalize_pin(pin) if pin is not None else None
        data_key = os.urandom(DATA_KEY_BYTES)
        wrapped, salt, kdf = await self._wrap(user_key, data_key, pin)
        async with self._repo.transaction():
            if await self._repo.key(user_key) is not None:
                raise JournalExists()
            await self._repo.insert_key(user_key, wrapped, salt, kdf)
        self._remember(user_key, user_key, data_key)

    async def unlock(self, user_key: str, pin: str | None = None) -> bool:
        """Open the journal for `idle_seconds`. Raises NoJournal, PinRequired, LockedOut, WrongPin. True when
        her PIN is shorter than new PINs must be and she was not asked yet to lengthen it (`short_pin_asked`)."""
        async with self._user_lock(user_key):
            row = await self.row(user_key)
            if not row.has_pin:
                self._remember(user_key, self._identity(row), self._unwrap_server(row))
                return False
            if pin is None:
                raise PinRequired()
            data_key = await self._check_pin(row, pin)
            self._remember(user_key, self._identity(row), data_key)
            return not row.pin_short_asked and len(normalize_pin(pin, OLD_PIN_MIN_CHARS)) < PIN_MIN_CHARS

    async def short_pin_asked(self, user_key: str) -> None:
        """She was asked to lengthen her short PIN: once is enough."""
        async with self._repo.transaction():
            await self._repo.set_short_pin_asked(user_key)

    async def set_pin(self, user_key: str, new_pin: str) -> None:
        """Add a PIN to a journal that has none (no PIN to check, so it only needs the server key)."""
        new_pin = normalize_pin(new_pin)
        async with self._user_lock(user_key):
            row = await self.row(user_key)
            if row.has_pin:
                raise PinAlreadySet()
            data_key = self._unwrap_server(row)
            await self._rewrap(row, data_key, new_pin)
            self._remember(user_key, self._identity(row), data_key)

    async def begin_pin_change(self, user_key: str, current_pin: str) -> PinChange:
        """Check the current PIN before she picks a new one, as `unlock` does (a wrong one counts; the journal
        opens), and return a PinChange that `change_pin` takes instead of the PIN."""
        async with self._user_lock(user_key):
            row = await self.row(user_key)
            if row.has_pin:
                data_key = await self._check_pin(row, current_pin)
            else:
                data_key = self._unwrap_server(row)
            token = secrets.token_bytes(16)
            self._remember(user_key, self._identity(row), data_key, pin_change=token)
        return PinChange(token)

    async def change_pin(self, user_key: str, current: PinChange | str, new_pin: str) -> None:
        """Needs the current PIN even while unlocked: whoever picks up an unlocked phone must not be able to
        lock her out. `current` is the PIN (a wrong one counts as a wrong try) or the PinChange given when it
        was checked; a PinChange no longer valid (used, or the journal locked since) raises JournalLocked."""
        new_pin = normalize_pin(new_pin)
        async with self._user_lock(user_key):
            row = await self.row(user_key)
            if not row.has_pin:
                raise NoPinSet()
            if isinstance(current, PinChange):
                data_key = self._redeem(user_key, current)
            else:
                data_key = await self._check_pin(row, current)
            await self._rewrap(row, data_key, new_pin)
            self._remember(user_key, self._identity(row), data_key)  # a fresh entry: the PinChange cannot be used twice

    async def remove_pin(self, user_key: str, current_pin: str) -> None:
        async with self._user_lock(user_key):
            row = await self.row(user_key)
            if not row.has_pin:
                raise NoPinSet()
            data_key = await self._check_pin(row, current_pin)
            await self._rewrap(row, data_key, None)
            self._remember(user_key, self._identity(row), data_key)

    def forget(self, user_key: str) -> None:
        """Drop the in-memory key. The caller deletes the wrapped key (crypto-shredding) with the rows."""
        self.lock(user_key)
        self._user_locks.pop(user_key, None)

    # Internals

    def _get(self, user_key: str, *, touch: bool) -> _Unlocked:
        item = self._unlocked.get(user_key)
        now = self.monotonic()
        if item is None:
            raise JournalLocked()
        if now - item.last_used > self.idle_seconds:
            del self._unlocked[user_key]
            raise JournalLocked()
        if touch:
            item.last_used = now
        return item

    def _remember(self, user_key: str, identity: str, data_key: bytes, *, pin_change: bytes | None = None) -> None:
        self._unlocked[user_key] = _Unlocked(data_key, AESGCM(data_key), self.monotonic(), identity, pin_change)

    def _identity(self, row: KeyRow) -> str:
        if row.binding is None:
            return row.user_key
        try:
            return self._bindings.open(row.binding, row.user_key.encode()).decode()
        except (InvalidTag, UnicodeDecodeError):
            raise JournalDamaged("the journal's binding does not open") from None

    def _redeem(self, user_key: str, change: PinChange) -> bytes:
        """The data key a PinChange stands for; it expires with the unlocked key it was issued with."""
        item = self._get(user_key, touch=False)
        if item.pin_change is None or not hmac.compare_digest(item.pin_change, change.token):
            raise JournalLocked()
        return item.data_key

    def _user_lock(self, user_key: str) -> asyncio.Lock:
        # One PIN check at a time per journal, so parallel tries cannot slip past the counter.
        return self._user_locks.setdefault(user_key, asyncio.Lock())

    async def _check_pin(self, row: KeyRow, pin: str) -> bytes:
        now = int(self.clock())
        if row.locked_until > now:
            raise LockedOut(dt.datetime.fromtimestamp(row.locked_until, dt.UTC))
        # Count the try before checking it, so a try whose outcome is lost (a crash) still counts.
        tries = row.failed_tries + 1
        async with self._repo.transaction():
            await self._repo.set_attempts(row.user_key, tries, row.lockouts, 0)
        try:
            normalized = normalize_pin(pin, OLD_PIN_MIN_CHARS)
        except JournalInputError:
            normalized = None  # a PIN of the wrong length is simply wrong
        data_key = None
        identity = self._identity(row)
        if normalized is not None:
            assert row.pin_salt is not None and row.pin_kdf is not None
            server_kek = self._server_kek_of(row)
            params = Argon2Params.decode(row.pin_kdf)
            kek = await self._pin_kek(identity, normalized, row.pin_salt, params, server_kek)
            try:
                data_key = sealing.open_sealed(AESGCM(kek), row.wrapped_key, _wrap_context(identity, True))
            except JournalDamaged:
                data_key = None
        if data_key is not None:
            async with self._repo.transaction():
                await self._repo.set_attempts(row.user_key, 0, 0, 0)
            if row.legacy_kek:  # wrapped before a key rotation: now that the PIN is here, under the new key
                assert normalized is not None
                await self._rewrap(row, data_key, normalized)
            return data_key
        if tries < MAX_TRIES:
            raise WrongPin(MAX_TRIES - tries)
        seconds = min(FIRST_LOCKOUT_SECONDS * 2**row.lockouts, MAX_LOCKOUT_SECONDS)
        until = now + seconds
        async with self._repo.transaction():
            await self._repo.set_attempts(row.user_key, 0, row.lockouts + 1, until)
        log.warning("journal locked after wrong PINs lockouts=%d seconds=%d", row.lockouts + 1, seconds)
        raise LockedOut(dt.datetime.fromtimestamp(until, dt.UTC))

    async def _wrap(self, identity: str, data_key: bytes, pin: str | None) -> tuple[bytes, bytes | None, str | None]:
        if pin is None:
            return wrap_with_server(self._server_kek, data_key, identity), None, None
        salt = os.urandom(PIN_SALT_BYTES)
        kek = await self._pin_kek(identity, pin, salt, self.argon2, self._server_kek)
        return sealing.seal(AESGCM(kek), data_key, _wrap_context(identity, True)), salt, self.argon2.encode()

    async def _rewrap(self, row: KeyRow, data_key: bytes, pin: str | None) -> None:
        wrapped, salt, kdf = await self._wrap(self._identity(row), data_key, pin)
        async with self._repo.transaction():
            await self._repo.rewrap(row.user_key, wrapped, salt, kdf)
        await self._repo.checkpoint()
        log.info("journal key rewrapped pin=%s", pin is not None)

    def _unwrap_server(self, row: KeyRow) -> bytes:
        return unwrap_with_server(self._server_kek, row.wrapped_key, self._identity(row))

    def _server_kek_of(self, row: KeyRow) -> bytes:
        if not row.legacy_kek:
            return self._server_kek
        if self._legacy_kek is None:  # `keys finish --discard` ended the rotation before she came back
            raise JournalDamaged("the journal was wrapped under a key this server no longer holds")
        return self._legacy_kek

    async def _pin_kek(self, identity: str, pin: str, salt: bytes, params: Argon2Params, server_kek: bytes) -> bytes:
        async with self._kdf_slots:
            stretched = await asyncio.to_thread(
                hash_secret_raw,
                secret=pin.encode("utf-8"),
                salt=salt,
                time_cost=params.time_cost,
                memory_cost=params.memory_cost_kib,
                parallelism=params.parallelism,
                hash_len=32,
                type=Type.ID,
            )
        # Both halves are needed: the server key (not in the database) and the PIN (not on the server).
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=salt, info=b"dv-help-bot/journal-pin-kek|" + identity.encode()
        ).derive(server_kek + stretched)


def _pin_digest(salt: bytes, pin: str) -> bytes:
    return hashlib.sha256(salt + pin.encode("utf-8")).digest()


def wrap_with_server(server_kek: bytes, data_key: bytes, identity: str) -> bytes:
    """A journal key wrapped by the server key alone (a journal without a PIN)."""
    return sealing.seal(AESGCM(server_kek), data_key, _wrap_context(identity, False))


def unwrap_with_server(server_kek: bytes, wrapped: bytes, identity: str) -> bytes:
    return sealing.open_sealed(AESGCM(server_kek), wrapped, _wrap_context(identity, False))


def _wrap_context(identity: str, with_pin: bool) -> bytes:
    return f"journal-key|{identity}|{'pin' if with_pin else 'server'}".encode()
