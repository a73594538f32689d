"""The hash chain that makes the journal tamper-evident.

Each link (entry, correction or gap record) stores SHA-256 over a canonical encoding of:
the previous link's hash (32 zero bytes for the first), its number and entry id, its creation time (unix
seconds), its kind, the id it corrects, a random per-link salt, every field value in a fixed order, each
attachment's SHA-256, and — for a gap record — the number, id and hash of each deleted link.

The encoding is a sequence of parts, each either 0xFF (no value) or 0x00, a 4-byte big-endian length and
the UTF-8 bytes: unambiguous, and independent of JSON formatting. The salt is kept only inside the
encrypted record; it makes the stored hash useless for guessing short fields (a date, "yes"/"no").

A correction is a new link that names the one it corrects, so history is never rewritten. Deleting an
entry removes its rows and appends a gap record holding their hashes, so the chain still verifies and the
deletion itself stays visible. The last link's number and hash are also kept sealed under the data key
("head"), so cutting links off the end is noticed too.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.journal.model import BrokenLink, ChainProblem, ChainReport, Entry, RecordKind

GENESIS = bytes(32)
VERSION = "dv-help-bot journal chain v1"


def link_hash(previous: bytes, entry: Entry) -> bytes:
    return hashlib.sha256(canonical(previous, entry)).digest()


def canonical(previous: bytes, entry: Entry) -> bytes:
    if entry.created_at is None:
        raise ValueError("an unreadable row has no canonical form")
    parts: list[str | bytes | None] = [
        VERSION,
        previous,
        str(entry.number),
        entry.entry_id,
        str(int(entry.created_at.timestamp())),
        entry.kind.value,
        entry.corrects,
        entry.salt,
    ]
    fields = entry.fields
    if fields is None:
        parts.append(None)
    else:
        parts += [
            fields.occurred_on.isoformat(),
            fields.occurred_time.strftime("%H:%M") if fields.occurred_time else None,
            fields.place,
            fields.what_happened,
            fields.injuries,
            fields.witnesses,
            fields.children_present.value if fields.children_present else None,
            fields.police,
            fields.medical_visit,
        ]
    parts.append(str(len(entry.attachments)))
    parts += [attachment.sha256 for attachment in entry.attachments]
    parts.append(str(len(entry.removed)))
    for link in entry.removed:
        parts += [str(link.seq), link.entry_id, link.entry_hash]
    return b"".join(_part(part) for part in parts)


def _part(value: str | bytes | None) -> bytes:
    if value is None:
        return b"\xff"
    data = value.encode("utf-8") if isinstance(value, str) else value
    return b"\x00" + struct.pack(">I", len(data)) + data


@dataclass(frozen=True)
class StoredLink:
    """A row as verification sees it: the stored hash, and the record if it decrypted."""

    number: int
    entry_id: str
    stored_hash: bytes
    entry: Entry | None


def verify(
    links: Sequence[StoredLink],
    head: tuple[int, bytes | None],
    attachment_ok: Callable[[Entry], bool] | None = None,
) -> ChainReport:
    """Walk the chain from its start and report the first broken link, if any."""
    by_number = {link.number: link for link in links}
    removed = {
        gone.seq: bytes.fromhex(gone.entry_hash)
        for link in links
        if link.entry is not None and link.entry.kind is RecordKind.GAP
        for gone in link.entry.removed
    }
    head_length, head_hash = head
    last = max([head_length, *by_number])
    previous = GENESIS
    for number in range(1, last + 1):
        link = by_number.get(number)
        if link is None:
            if number not in removed:
                return ChainReport(number - 1, BrokenLink(number, ChainProblem.MISSING))
            previous = removed[number]
            continue
        if link.entry is None or link.entry.kind is RecordKind.UNREADABLE:
            return ChainReport(number - 1, BrokenLink(number, ChainProblem.UNREADABLE, link.entry_id))
        if link_hash(previous, link.entry) != link.stored_hash:
            return ChainReport(number - 1, BrokenLink(number, ChainProblem.HASH_MISMATCH, link.entry_id))
        if attachment_ok is not None and not attachment_ok(link.entry):
            return ChainReport(number - 1, BrokenLink(number, ChainProblem.ATTACHMENT, link.entry_id))
        previous = link.stored_hash
    if last != head_length or (head_length and previous != head_hash):
        return ChainReport(last, BrokenLink(last, ChainProblem.HEAD))
    return ChainReport(len(links))
