"""Keyed pseudonyms for Telegram ids.

Raw Telegram ids never reach the database or the logs: a leaked database or log file alone must not tell
who wrote to a domestic-violence help bot. Each purpose gets its own subkey, so a log pseudonym cannot be
matched against a database key.
"""

from __future__ import annotations

import hashlib
import hmac


class Pseudonymizer:
    def __init__(self, secret_key: bytes) -> None:
        self._storage_key = _subkey(secret_key, b"storage-user-key")
        self._log_key = _subkey(secret_key, b"log-pseudonym")
        self._tick_key = _subkey(secret_key, b"checklist-tick")

    @classmethod
    def from_subkeys(cls, storage_key: bytes, tick_key: bytes) -> Pseudonymizer:
        """The pseudonyms of a previous key, from the two subkeys a key rotation keeps (never the key itself)."""
        pseudonyms = cls.__new__(cls)
        pseudonyms._storage_key, pseudonyms._tick_key = storage_key, tick_key
        pseudonyms._log_key = _subkey(storage_key, b"log-pseudonym")
        return pseudonyms

    def subkeys(self) -> tuple[bytes, bytes]:
        """What `from_subkeys` takes: the storage and checklist subkeys."""
        return self._storage_key, self._tick_key

    def user_key(self, telegram_user_id: int) -> str:
        """The stable key under which a user's state is stored."""
        return _mac(self._storage_key, telegram_user_id)[:32]

    def tick(self, user_key: str, screen_id: str, item_id: str) -> str:
        """A checklist tick as stored: which item it is cannot be read without the secret key."""
        message = f"{user_key}|{screen_id}|{item_id}".encode()
        return hmac.new(self._tick_key, message, hashlib.sha256).hexdigest()[:32]

    def for_log(self, telegram_id: int | None) -> str:
        """A short pseudonym that lets log lines about one person be grouped, and nothing more."""
        if telegram_id is None:
            return "-"
        return "u" + _mac(self._log_key, telegram_id)[:10]


def _subkey(secret_key: bytes, purpose: bytes) -> bytes:
    return hmac.new(secret_key, purpose, hashlib.sha256).digest()


def _mac(key: bytes, telegram_id: int) -> str:
    return hmac.new(key, str(telegram_id).encode("ascii"), hashlib.sha256).hexdigest()
