"""Sealing small values the server must read back later (AES-256-GCM, key from BOT_SECRET_KEY by HKDF).

Used for the chat id of a scheduled wipe or of a case, for a photo waiting in the relay's outbox and for an
update received by webhook while it waits in the inbox: the bot needs them, but a copy of the database alone
must not reveal them. Associated data binds each sealed value to its row, so values cannot be swapped between
rows.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12  # 96-bit nonces, fresh and random for every seal
# What each sealer is for (part of its key's derivation). The key check reads the wipe schedule too.
WIPE_CHAT_ID = b"wipe-chat-id"
CASE_CHAT_ID = b"case-chat-id"
JOURNAL_KEK = b"journal-kek"  # wraps journal keys (with the PIN's Argon2 output, when she set one)
JOURNAL_BINDING = b"journal-binding"  # the pseudonym a moved journal stays bound to (key rotation)
LEGACY_KEYS = b"legacy-keys"  # the previous key's subkeys, kept during a key rotation
RELAY_FILE = b"relay-file"  # a photo's file id and caption, while it waits in the outbox to be cleaned
INBOX_UPDATE = b"inbox-update"  # an update received by webhook, waiting in the inbox to be handled


def derive_key(secret_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"dv-help-bot/" + purpose).derive(secret_key)


class Sealer:
    def __init__(self, secret_key: bytes, purpose: bytes) -> None:
        self._aead = AESGCM(derive_key(secret_key, purpose))

    def seal(self, plaintext: bytes, associated: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, associated)

    def open(self, sealed: bytes, associated: bytes) -> bytes:
        """Raises cryptography.exceptions.InvalidTag if the value was altered or belongs to another row."""
        return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)
