"""An entry's ciphertext is bound to its own entry id: moved to another id, it is unreadable, never shown."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.content.store import ContentStore
from bot.journal import sealing
from bot.journal.model import ChainProblem, EntryFields, JournalDamaged, NotFound, RecordKind
from tests.support.journal import ALICE, Harness

WHAT_HAPPENED = "he locked me in the bathroom on Abay street"
FIELDS = EntryFields(dt.date(2026, 11, 20), place="the flat", what_happened=WHAT_HAPPENED)
OTHER_ID = "0123456789abcdef0123456789abcdef"


async def test_an_entry_moved_to_another_entry_id_cannot_be_read(harness: Harness, content: ContentStore):
    """Someone with the database rewrites the row of her first entry under another entry id — same journal,
    same place in the chain, the ciphertext untouched. Her words must not come back under that id."""
    journal = harness.service
    await journal.create(ALICE)
    entry = await journal.add_entry(ALICE, FIELDS)
    assert entry.entry_id != OTHER_ID
    (payload,), *_ = await harness.rows("SELECT payload FROM journal_entries WHERE entry_id = ?", entry.entry_id)

    await harness.execute("UPDATE journal_entries SET entry_id = ? WHERE entry_id = ?", OTHER_ID, entry.entry_id)
    assert await harness.rows("SELECT payload FROM journal_entries WHERE entry_id = ?", OTHER_ID) == [(payload,)]

    (record,) = await journal.records(ALICE)
    assert record.entry_id == OTHER_ID
    assert record.kind is RecordKind.UNREADABLE and record.fields is None
    assert await journal.entries(ALICE) == []
    with pytest.raises(NotFound):
        await journal.entry(ALICE, OTHER_ID)
    report = await journal.verify(ALICE)
    assert report.broken is not None and report.broken.problem is ChainProblem.UNREADABLE
    exported = (await journal.export_text(ALICE, content.ui("en"))).decode("utf-8")
    assert WHAT_HAPPENED not in exported  # nor in what she could hand to the police
    with pytest.raises(JournalDamaged):
        sealing.open_sealed(journal.keys.aead(ALICE), payload, sealing.entry_context(ALICE, OTHER_ID, 1))

    # Put back under its own id, the same bytes read again: it was the move, not damage, that was refused.
    await harness.execute("UPDATE journal_entries SET entry_id = ? WHERE entry_id = ?", entry.entry_id, OTHER_ID)
    (restored,) = await journal.entries(ALICE)
    assert restored.fields is not None and restored.fields.what_happened == WHAT_HAPPENED
