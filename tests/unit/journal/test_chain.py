"""The hash chain: it verifies, and it notices edits, removals, truncation and swapped files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from bot.journal import chain, codec, sealing
from bot.journal.model import AttachmentKind, ChainProblem, Entry, EntryFields, NewAttachment, RecordKind
from tests.support.journal import ALICE, Harness, png_bytes


async def three_entries(harness: Harness) -> list[Entry]:
    journal = harness.service
    await journal.create(ALICE)
    entries = []
    for day in (1, 2, 3):
        entries.append(await journal.add_entry(ALICE, EntryFields(dt.date(2026, 11, day), place=f"place {day}")))
        harness.clock.advance(60)
    return entries


async def test_the_chain_links_each_entry_to_the_previous_one(harness: Harness):
    first, second, third = await three_entries(harness)
    assert (await harness.service.verify(ALICE)).ok
    assert chain.link_hash(chain.GENESIS, first).hex() == first.entry_hash
    assert chain.link_hash(bytes.fromhex(first.entry_hash), second).hex() == second.entry_hash
    stored = await harness.rows("SELECT seq, entry_hash FROM journal_entries ORDER BY seq")
    assert stored == [(entry.number, bytes.fromhex(entry.entry_hash)) for entry in (first, second, third)]
    # The same content after another previous hash gives another hash: the order is part of each link.
    assert chain.link_hash(bytes(32), second) != chain.link_hash(bytes.fromhex(first.entry_hash), second)


async def test_corrections_and_gap_records_are_links_of_the_same_chain(harness: Harness):
    journal = harness.service
    first, second, _ = await three_entries(harness)
    correction = await journal.correct_entry(ALICE, first.entry_id, EntryFields(dt.date(2026, 11, 1), place="hall"))
    gap = await journal.delete_entry(ALICE, second.entry_id)
    records = await journal.records(ALICE)
    assert [(record.number, record.kind) for record in records] == [
        (1, RecordKind.ENTRY),
        (3, RecordKind.ENTRY),
        (4, RecordKind.CORRECTION),
        (5, RecordKind.GAP),
    ]
    assert records[0].corrected_by == correction.entry_id
    assert gap.removed[0].seq == 2 and gap.removed[0].entry_hash == second.entry_hash
    assert chain.link_hash(bytes.fromhex(correction.entry_hash), gap).hex() == gap.entry_hash
    report = await journal.verify(ALICE)
    assert report.ok and report.length == 4


async def test_an_edited_stored_hash_is_detected(harness: Harness):
    await three_entries(harness)
    (stored,), *_ = await harness.rows("SELECT entry_hash FROM journal_entries WHERE seq = 2")
    await harness.execute("UPDATE journal_entries SET entry_hash = ? WHERE seq = 2", bytes(32))
    report = await harness.service.verify(ALICE)
    assert (report.broken.number, report.broken.problem) == (2, ChainProblem.HASH_MISMATCH)
    await harness.execute("UPDATE journal_entries SET entry_hash = ? WHERE seq = 2", stored)
    assert (await harness.service.verify(ALICE)).ok


async def test_a_removed_row_is_detected(harness: Harness):
    await three_entries(harness)
    await harness.execute("DELETE FROM journal_entries WHERE seq = 2")
    report = await harness.service.verify(ALICE)
    assert (report.broken.number, report.broken.problem) == (2, ChainProblem.MISSING)


async def test_a_removed_last_row_is_detected(harness: Harness):
    await three_entries(harness)
    await harness.execute("DELETE FROM journal_entries WHERE seq = 3")
    report = await harness.service.verify(ALICE)
    assert (report.broken.number, report.broken.problem) == (3, ChainProblem.MISSING)


async def test_content_rewritten_with_the_key_is_detected(harness: Harness):
    """Someone holding the unlocked key re-encrypts an entry with other words: the hash no longer matches."""
    _, second, _ = await three_entries(harness)
    forged = dataclasses.replace(second, fields=dataclasses.replace(second.fields, place="somewhere else"))
    aead = harness.service.keys.aead(ALICE)
    payload = sealing.seal_record(
        aead, codec.encode_entry(forged), sealing.entry_context(ALICE, second.entry_id, second.number)
    )
    await harness.execute("UPDATE journal_entries SET payload = ? WHERE seq = 2", payload)
    assert (await harness.service.entries(ALICE))[1].fields.place == "somewhere else"
    report = await harness.service.verify(ALICE)
    assert (report.broken.number, report.broken.problem) == (2, ChainProblem.HASH_MISMATCH)


async def test_an_attachment_replaced_with_the_key_is_detected(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    entry = await journal.add_entry(
        ALICE, EntryFields(dt.date(2026, 11, 1)), [NewAttachment(png_bytes(), AttachmentKind.PHOTO)]
    )
    name = entry.attachments[0].file_id
    other = png_bytes(colour=(0, 255, 0))
    sealed = sealing.seal_file(journal.keys.aead(ALICE), other, sealing.file_context(ALICE, name))
    (harness.data_dir / "journal" / name).write_bytes(sealed)
    assert entry.attachments[0].sha256 != hashlib.sha256(other).hexdigest()
    report = await journal.verify(ALICE)
    assert (report.broken.number, report.broken.problem) == (1, ChainProblem.ATTACHMENT)
    assert (await journal.verify(ALICE, check_files=False)).ok


def test_the_encoding_is_unambiguous():
    base = Entry(
        1, "id", RecordKind.ENTRY, "", dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        EntryFields(dt.date(2026, 11, 1), place="ab", what_happened="c"), salt=b"s" * 16,
    )  # fmt: skip
    shifted = dataclasses.replace(base, fields=EntryFields(dt.date(2026, 11, 1), place="a", what_happened="bc"))
    empty = dataclasses.replace(base, fields=EntryFields(dt.date(2026, 11, 1), place="", what_happened="abc"))
    missing = dataclasses.replace(base, fields=EntryFields(dt.date(2026, 11, 1), place=None, what_happened="abc"))
    salted = dataclasses.replace(base, salt=b"t" * 16)
    hashes = {chain.link_hash(chain.GENESIS, entry) for entry in (base, shifted, empty, missing, salted)}
    assert len(hashes) == 5
