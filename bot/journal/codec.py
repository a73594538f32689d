"""Entries and drafts to and from the JSON that is encrypted into their rows.

The row's number, entry id and hash are not in the JSON: they are columns, and the entry's ciphertext is
bound to them by its associated data.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot.journal.model import (
    Attachment,
    AttachmentKind,
    ChildrenPresent,
    Draft,
    Entry,
    EntryFields,
    JournalDamaged,
    RecordKind,
    RemovedLink,
    Step,
)

FORMAT = 1


def encode_entry(entry: Entry) -> bytes:
    assert entry.created_at is not None
    document = {
        "v": FORMAT,
        "kind": entry.kind.value,
        "created_at": int(entry.created_at.timestamp()),
        "salt": entry.salt.hex(),
        "corrects": entry.corrects,
        "fields": _fields_out(entry.fields) if entry.fields else None,
        "attachments": [_attachment_out(item) for item in entry.attachments],
        "removed": [[link.seq, link.entry_id, link.entry_hash] for link in entry.removed],
    }
    return _dump(document)


def decode_entry(data: bytes, number: int, entry_id: str, entry_hash: bytes) -> Entry:
    document = _load(data)
    try:
        fields = document["fields"]
        return Entry(
            number=number,
            entry_id=entry_id,
            kind=RecordKind(document["kind"]),
            entry_hash=entry_hash.hex(),
            created_at=dt.datetime.fromtimestamp(document["created_at"], dt.UTC),
            fields=_fields_in(fields) if fields is not None else None,
            attachments=tuple(_attachment_in(item) for item in document["attachments"]),
            corrects=document["corrects"],
            removed=tuple(RemovedLink(seq, link_id, link_hash) for seq, link_id, link_hash in document["removed"]),
            salt=bytes.fromhex(document["salt"]),
        )
    except (KeyError, TypeError, ValueError):
        raise JournalDamaged("an entry has an unknown shape") from None


def encode_draft(draft: Draft) -> bytes:
    document = {
        "v": FORMAT,
        "step": draft.step.value,
        "occurred_on": draft.occurred_on.isoformat() if draft.occurred_on else None,
        "occurred_time": _time_out(draft.occurred_time),
        "texts": draft.texts,
        "children": draft.children_present.value if draft.children_present else None,
        "attachments": [_attachment_out(item) for item in draft.attachments],
        "new_files": sorted(draft.new_files),
        "corrects": draft.corrects,
        "back_to_review": draft.back_to_review,
    }
    return _dump(document)


def decode_draft(data: bytes) -> Draft:
    document = _load(data)
    try:
        return Draft(
            step=Step(document["step"]),
            occurred_on=dt.date.fromisoformat(document["occurred_on"]) if document["occurred_on"] else None,
            occurred_time=_time_in(document["occurred_time"]),
            texts=dict(document["texts"]),
            children_present=ChildrenPresent(document["children"]) if document["children"] else None,
            attachments=tuple(_attachment_in(item) for item in document["attachments"]),
            new_files=frozenset(document["new_files"]),
            corrects=document["corrects"],
            back_to_review=bool(document["back_to_review"]),
        )
    except (KeyError, TypeError, ValueError):
        raise JournalDamaged("a draft has an unknown shape") from None


def _dump(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _load(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise JournalDamaged("a record is not readable") from None
    if not isinstance(document, dict) or document.get("v") != FORMAT:
        raise JournalDamaged("a record has an unknown format")
    return document


def _fields_out(fields: EntryFields) -> dict[str, Any]:
    return {
        "occurred_on": fields.occurred_on.isoformat(),
        "occurred_time": _time_out(fields.occurred_time),
        "place": fields.place,
        "what_happened": fields.what_happened,
        "injuries": fields.injuries,
        "witnesses": fields.witnesses,
        "children_present": fields.children_present.value if fields.children_present else None,
        "police": fields.police,
        "medical_visit": fields.medical_visit,
    }


def _fields_in(document: dict[str, Any]) -> EntryFields:
    children = document["children_present"]
    return EntryFields(
        occurred_on=dt.date.fromisoformat(document["occurred_on"]),
        occurred_time=_time_in(document["occurred_time"]),
        place=document["place"],
        what_happened=document["what_happened"],
        injuries=document["injuries"],
        witnesses=document["witnesses"],
        children_present=ChildrenPresent(children) if children else None,
        police=document["police"],
        medical_visit=document["medical_visit"],
    )


def _attachment_out(item: Attachment) -> dict[str, Any]:
    return {
        "file": item.file_id,
        "kind": item.kind.value,
        "size": item.size,
        "sha256": item.sha256,
        "name": item.name,
        "mime": item.mime_type,
    }


def _attachment_in(document: dict[str, Any]) -> Attachment:
    return Attachment(
        file_id=document["file"],
        kind=AttachmentKind(document["kind"]),
        size=int(document["size"]),
        sha256=document["sha256"],
        name=document["name"],
        mime_type=document["mime"],
    )


def _time_out(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def _time_in(value: str | None) -> dt.time | None:
    return dt.time.fromisoformat(value) if value else None
