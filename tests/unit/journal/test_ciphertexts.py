"""Every ciphertext is authenticated and bound to its place: flipped bytes, moved rows, shredded keys."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.journal import sealing
from bot.journal.model import (
    AttachmentKind,
    ChainProblem,
    EntryFields,
    JournalDamaged,
    JournalLocked,
    NewAttachment,
    NoJournal,
    NotFound,
    RecordKind,
)
from tests.support.journal import ALICE, BOB, Harness, png_bytes

FIELDS = EntryFields(dt.date(2026, 11, 20), place="kitchen", what_happened="he pushed me")


def flipped(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def positions(data: bytes) -> list[int]:
    """A byte of the nonce, of the ciphertext body, and of the tag."""
    return [0, sealing.NONCE_BYTES + 1, len(data) // 2, len(data) - 1]


async def test_a_flipped_byte_in_an_entry_makes_it_unreadable(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    entry = await journal.add_entry(ALICE, FIELDS)
    (payload,), *_ = await harness.rows("SELECT payload FROM journal_entries")
    for position in positions(payload):
        await harness.execute("UPDATE journal_entries SET payload = ?", flipped(payload, position))
        (record,) = await journal.records(ALICE)
        assert record.kind is RecordKind.UNREADABLE and record.fields is None
        assert await journal.entries(ALICE) == []
        report = await journal.verify(ALICE)
        assert report.broken is not None
        assert (report.broken.number, report.broken.problem) == (1, ChainProblem.UNREADABLE)
        with pytest.raises(JournalDamaged):
            sealing.open_sealed(
                journal.keys.aead(ALICE), flipped(payload, position), sealing.entry_context(ALICE, entry.entry_id, 1)
            )
    await harness.execute("UPDATE journal_entries SET payload = ?", payload)
    assert (await journal.entries(ALICE))[0].fields == FIELDS


async def test_a_flipped_byte_in_a_draft_the_head_the_key_or_a_file_fails(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    entry = await journal.add_entry(ALICE, FIELDS, [NewAttachment(png_bytes(), AttachmentKind.PHOTO, "a.png")])
    await journal.start_entry(ALICE)
    await journal.answer(ALICE, "сегодня")

    (draft,), *_ = await harness.rows("SELECT payload FROM journal_drafts")
    (head, wrapped), *_ = await harness.rows("SELECT chain_head, wrapped_key FROM journal_keys")
    file_path = harness.data_dir / "journal" / entry.attachments[0].file_id
    sealed_file = file_path.read_bytes()

    for position in positions(draft):
        await harness.execute("UPDATE journal_drafts SET payload = ?", flipped(draft, position))
        with pytest.raises(JournalDamaged):
            await journal.draft(ALICE)
    await harness.execute("UPDATE journal_drafts SET payload = ?", draft)
    assert (await journal.draft(ALICE)).occurred_on == dt.date(2026, 11, 28)

    for position in positions(head):
        await harness.execute("UPDATE journal_keys SET chain_head = ?", flipped(head, position))
        assert (await journal.verify(ALICE)).broken.problem is ChainProblem.HEAD
        with pytest.raises(JournalDamaged):
            await journal.add_entry(ALICE, FIELDS)  # nothing is appended to a chain whose end is unknown
    await harness.execute("UPDATE journal_keys SET chain_head = ?", head)

    for position in positions(sealed_file):
        file_path.write_bytes(flipped(sealed_file, position))
        with pytest.raises(JournalDamaged):
            await journal.read_attachment(ALICE, entry.attachments[0].file_id)
        assert (await journal.verify(ALICE)).broken.problem is ChainProblem.ATTACHMENT
    file_path.write_bytes(sealed_file)
    assert await journal.read_attachment(ALICE, entry.attachments[0].file_id) == png_bytes()

    journal.lock(ALICE)
    for position in positions(wrapped):
        await harness.execute("UPDATE journal_keys SET wrapped_key = ?", flipped(wrapped, position))
        with pytest.raises(JournalDamaged):
            await journal.unlock(ALICE)
    await harness.execute("UPDATE journal_keys SET wrapped_key = ?", wrapped)
    await journal.unlock(ALICE)
    assert (await journal.verify(ALICE)).ok


async def test_a_row_moved_to_another_user_does_not_decrypt(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    await journal.create(BOB)
    await journal.add_entry(ALICE, FIELDS)
    await journal.add_entry(ALICE, EntryFields(dt.date(2026, 11, 21), what_happened="second"))
    await journal.add_entry(BOB, EntryFields(dt.date(2026, 11, 1), what_happened="bob's own"))

    # Alice's second entry, moved into Bob's journal as his second link.
    await harness.execute("UPDATE journal_entries SET user_key = ? WHERE user_key = ? AND seq = 2", BOB, ALICE)
    bob_records = await journal.records(BOB)
    assert [record.kind for record in bob_records] == [RecordKind.ENTRY, RecordKind.UNREADABLE]
    assert [entry.fields.what_happened for entry in await journal.entries(BOB)] == ["bob's own"]
    assert (await journal.verify(BOB)).broken.problem is ChainProblem.UNREADABLE
    # And Alice's chain notices the link is gone.
    report = await journal.verify(ALICE)
    assert (report.broken.number, report.broken.problem) == (2, ChainProblem.MISSING)


async def test_entries_swapped_within_a_journal_do_not_decrypt(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    await journal.add_entry(ALICE, FIELDS)
    await journal.add_entry(ALICE, EntryFields(dt.date(2026, 11, 21), what_happened="second"))
    rows = await harness.rows("SELECT seq, payload FROM journal_entries ORDER BY seq")
    await harness.execute("UPDATE journal_entries SET payload = ? WHERE seq = 1", rows[1][1])
    await harness.execute("UPDATE journal_entries SET payload = ? WHERE seq = 2", rows[0][1])
    assert [record.kind for record in await journal.records(ALICE)] == [RecordKind.UNREADABLE] * 2


async def test_a_file_moved_to_another_user_does_not_decrypt(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    await journal.create(BOB)
    alice = await journal.add_entry(ALICE, FIELDS, [NewAttachment(png_bytes(), AttachmentKind.PHOTO)])
    bob = await journal.add_entry(BOB, FIELDS, [NewAttachment(png_bytes(colour=(1, 2, 3)), AttachmentKind.PHOTO)])
    folder = harness.data_dir / "journal"
    (folder / bob.attachments[0].file_id).write_bytes((folder / alice.attachments[0].file_id).read_bytes())
    with pytest.raises(JournalDamaged):
        await journal.read_attachment(BOB, bob.attachments[0].file_id)
    with pytest.raises(NotFound):
        await journal.read_attachment(BOB, alice.attachments[0].file_id)  # not in Bob's entries at all


async def test_after_the_key_is_deleted_nothing_decrypts(harness: Harness):
    journal = harness.service
    await journal.create(ALICE, "246813")
    entry = await journal.add_entry(ALICE, FIELDS, [NewAttachment(png_bytes(), AttachmentKind.PHOTO, "bruise.png")])
    await journal.start_entry(ALICE)
    old_aead = journal.keys.aead(ALICE)
    (payload,), *_ = await harness.rows("SELECT payload FROM journal_entries")
    (wrapped,), *_ = await harness.rows("SELECT wrapped_key FROM journal_keys")
    file_path = harness.data_dir / "journal" / entry.attachments[0].file_id
    sealed_file = file_path.read_bytes()
    context = sealing.entry_context(ALICE, entry.entry_id, 1)
    assert sealing.open_sealed(old_aead, payload, context)  # readable while the key exists

    journal.lock(ALICE)
    await journal.delete_all(ALICE)  # no PIN needed: /forget must always work

    for table in ("journal_keys", "journal_entries", "journal_drafts", "journal_files"):
        assert await harness.rows(f"SELECT * FROM {table}") == []
    assert not file_path.exists()
    assert harness.files_containing(wrapped) == []  # not in the database, not in the WAL
    with pytest.raises(NoJournal):
        await journal.unlock(ALICE, "246813")
    with pytest.raises(JournalLocked):
        await journal.entries(ALICE)

    # A new journal for the same person gets a new key: the old ciphertexts stay unreadable.
    await journal.create(ALICE, "246813")
    new_aead = journal.keys.aead(ALICE)
    with pytest.raises(JournalDamaged):
        sealing.open_sealed(new_aead, payload, context)
    with pytest.raises(JournalDamaged):
        sealing.open_file(new_aead, sealed_file, sealing.file_context(ALICE, entry.attachments[0].file_id))
    # Even someone holding the server key and the PIN has nothing left to unwrap.
    assert await journal.entries(ALICE) == []
