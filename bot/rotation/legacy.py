"""The previous key's subkeys, kept while a rotation waits for people to come back.

Only what cannot move at once is kept: the pseudonym and checklist subkeys (to recognise her by her old
pseudonym) and the journal subkey (for PIN wraps, which need her PIN to be renewed). Sealed under the new key
and bound to the previous key's check value. Never the previous key itself: the old sealed chat ids of a backup
made before the rotation stay closed to whoever holds only the database and the new key.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from bot.crypto import JOURNAL_KEK, LEGACY_KEYS, Sealer, derive_key
from bot.privacy import Pseudonymizer

SUBKEY_BYTES = 32


class LegacyKeysDamaged(Exception):
    """The kept subkeys do not open with this key."""


@dataclass(frozen=True)
class LegacyKeys:
    storage_key: bytes
    tick_key: bytes
    journal_kek: bytes

    @classmethod
    def of(cls, previous_key: bytes) -> LegacyKeys:
        storage_key, tick_key = Pseudonymizer(previous_key).subkeys()
        return cls(storage_key, tick_key, derive_key(previous_key, JOURNAL_KEK))

    def pseudonyms(self) -> Pseudonymizer:
        return Pseudonymizer.from_subkeys(self.storage_key, self.tick_key)

    def seal(self, current_key: bytes, previous_check: bytes) -> bytes:
        plain = self.storage_key + self.tick_key + self.journal_kek
        return Sealer(current_key, LEGACY_KEYS).seal(plain, previous_check)

    @classmethod
    def open(cls, current_key: bytes, previous_check: bytes, sealed: bytes) -> LegacyKeys:
        try:
            plain = Sealer(current_key, LEGACY_KEYS).open(sealed, previous_check)
        except InvalidTag:
            raise LegacyKeysDamaged("the previous key's subkeys do not open with this key") from None
        if len(plain) != 3 * SUBKEY_BYTES:
            raise LegacyKeysDamaged("the previous key's subkeys are damaged")
        return cls(plain[:SUBKEY_BYTES], plain[SUBKEY_BYTES : 2 * SUBKEY_BYTES], plain[2 * SUBKEY_BYTES :])
