"""AES-256-GCM under a journal's data key: entries, drafts, the chain head and attachment files.

Every encryption uses a fresh random 96-bit nonce (stored in front of the ciphertext). The associated data
names what the ciphertext is and where it belongs — the user_key, and the entry id and position for an
entry — so a row moved to another user, or swapped with another entry, fails to decrypt.

Plaintexts are padded (records to 512 bytes, files to 4 KiB) so that the stored sizes say little about
how much she wrote.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.journal.model import JournalDamaged

NONCE_BYTES = 12
RECORD_PADDING = 512
FILE_PADDING = 4096


def entry_context(user_key: str, entry_id: str, seq: int) -> bytes:
    return f"journal-entry|{user_key}|{entry_id}|{seq}".encode()


def draft_context(user_key: str) -> bytes:
    return f"journal-draft|{user_key}".encode()


def plan_context(user_key: str) -> bytes:
    return f"journal-plan|{user_key}".encode()


def head_context(user_key: str) -> bytes:
    return f"journal-head|{user_key}".encode()


def file_context(user_key: str, file_name: str) -> bytes:
    return f"journal-file|{user_key}|{file_name}".encode()


def seal(aead: AESGCM, plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, context)


def open_sealed(aead: AESGCM, sealed: bytes, context: bytes) -> bytes:
    """Raises JournalDamaged when the value was altered, belongs elsewhere, or was sealed under another key."""
    try:
        return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
    except (InvalidTag, ValueError):
        raise JournalDamaged("a stored value does not decrypt") from None


def seal_record(aead: AESGCM, document: bytes, context: bytes) -> bytes:
    # JSON ignores trailing whitespace, so spaces pad a record without a length field.
    padded = document + b" " * (-len(document) % RECORD_PADDING)
    return seal(aead, padded, context)


def seal_file(aead: AESGCM, data: bytes, context: bytes) -> bytes:
    body = struct.pack(">Q", len(data)) + data
    return seal(aead, body + bytes(-len(body) % FILE_PADDING), context)


def open_file(aead: AESGCM, sealed: bytes, context: bytes) -> bytes:
    body = open_sealed(aead, sealed, context)
    (length,) = struct.unpack(">Q", body[:8])
    if length > len(body) - 8:
        raise JournalDamaged("an attachment's length is wrong")
    return body[8 : 8 + length]


def seal_head(aead: AESGCM, length: int, last_hash: bytes, context: bytes) -> bytes:
    return seal(aead, struct.pack(">Q", length) + last_hash, context)


def open_head(aead: AESGCM, sealed: bytes | None, context: bytes) -> tuple[int, bytes | None]:
    if sealed is None:
        return 0, None
    body = open_sealed(aead, sealed, context)
    (length,) = struct.unpack(">Q", body[:8])
    return length, body[8:]
