"""Entries, the guided draft, corrections and deletions, and reading what she types."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.journal.model import (
    MAX_ATTACHMENT_BYTES,
    MAX_TEXT_CHARS,
    AttachmentKind,
    ChildrenPresent,
    EntryFields,
    InputError,
    JournalInputError,
    JournalLocked,
    NewAttachment,
    NoDraft,
    NotFound,
    RecordKind,
    Step,
)
from bot.journal.parsing import date_example, parse_date, parse_time
from bot.journal.ui_keys import INPUT_ERROR_KEYS, JOURNAL_UI_KEYS, STEP_PROMPT_KEYS
from tests.support.journal import ALICE, Harness, jpeg_bytes, png_bytes

TODAY = dt.date(2026, 11, 28)


def code_of(error: pytest.ExceptionInfo[JournalInputError]) -> InputError:
    return error.value.code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        ("Сегодня", TODAY),
        ("бүгін", TODAY),
        ("yesterday", TODAY - dt.timedelta(days=1)),
        (" вчера ", TODAY - dt.timedelta(days=1)),
        ("кеше", TODAY - dt.timedelta(days=1)),
        ("28.11.2026", TODAY),
        ("1.2.2025", dt.date(2025, 2, 1)),
        ("2026-11-28", TODAY),
        ("03/10/2026", dt.date(2026, 10, 3)),
        ("3.10.26", dt.date(2026, 10, 3)),
        ("3.10", dt.date(2026, 10, 3)),
        ("29.02.2024.", dt.date(2024, 2, 29)),
    ],
)
def test_dates_she_may_type(text: str, expected: dt.date):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("29.11.2026", InputError.DATE_IN_FUTURE),
        ("tomorrow", InputError.DATE_UNREADABLE),
        ("28 ноября", InputError.DATE_UNREADABLE),
        ("", InputError.DATE_UNREADABLE),
        ("31.02.2026", InputError.DATE_IMPOSSIBLE),
        ("12.13.2026", InputError.DATE_IMPOSSIBLE),
        ("1.1.1850", InputError.DATE_TOO_OLD),
        ("2027-01-01", InputError.DATE_IN_FUTURE),
    ],
)
def test_dates_refused_with_a_reason(text: str, code: InputError):
    with pytest.raises(JournalInputError) as error:
        parse_date(text, TODAY)
    assert code_of(error) is code


def test_the_example_date_is_yesterday_in_the_format_to_type():
    assert date_example(TODAY) == "27.11.2026"
    assert parse_date(date_example(TODAY), TODAY) == dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"), [("21:30", (21, 30)), ("9.05", (9, 5)), ("7", (7, 0)), ("21ч30", (21, 30))]
)
def test_times(text: str, expected: tuple[int, int]):
    assert parse_time(text) == dt.time(*expected)


@pytest.mark.parametrize("text", ["25:00", "12:60", "noon", "1230"])
def test_times_refused(text: str):
    with pytest.raises(JournalInputError) as error:
        parse_time(text)
    assert code_of(error) is InputError.TIME_UNREADABLE


def test_every_error_code_and_step_has_a_ui_string():
    assert set(INPUT_ERROR_KEYS) == set(InputError)
    assert set(STEP_PROMPT_KEYS) == set(Step)
    assert set(INPUT_ERROR_KEYS.values()) | set(STEP_PROMPT_KEYS.values()) <= set(JOURNAL_UI_KEYS)


async def test_entries_are_listed_by_the_incident_date(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    await journal.add_entry(ALICE, EntryFields(dt.date(2026, 11, 20), dt.time(22, 0), what_happened="late"))
    await journal.add_entry(ALICE, EntryFields(dt.date(2026, 10, 1), what_happened="oldest"))
    await journal.add_entry(ALICE, EntryFields(dt.date(2026, 11, 20), dt.time(8, 15), what_happened="morning"))
    assert [entry.fields.what_happened for entry in await journal.entries(ALICE)] == ["oldest", "morning", "late"]
    assert [record.number for record in await journal.records(ALICE)] == [1, 2, 3]


async def test_a_date_in_the_future_and_an_over_long_text_are_refused(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    with pytest.raises(JournalInputError) as future:
        await journal.add_entry(ALICE, EntryFields(TODAY + dt.timedelta(days=1)))
    assert code_of(future) is InputError.DATE_IN_FUTURE
    with pytest.raises(JournalInputError) as long:
        await journal.add_entry(ALICE, EntryFields(TODAY, place="x" * (MAX_TEXT_CHARS + 1)))
    assert code_of(long) is InputError.TEXT_TOO_LONG
    assert await journal.records(ALICE) == []


async def test_today_is_the_date_in_kazakhstan(harness: Harness):
    journal = harness.service
    harness.clock.wall_now = dt.datetime(2026, 11, 28, 20, 30, tzinfo=dt.UTC).timestamp()  # 01:30 on the 29th
    await journal.create(ALICE)
    await journal.add_entry(ALICE, EntryFields(dt.date(2026, 11, 29)))
    await journal.start_entry(ALICE)
    assert (await journal.answer(ALICE, "today")).occurred_on == dt.date(2026, 11, 29)


async def test_a_guided_entry_step_by_step(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    draft = await journal.start_entry(ALICE)
    assert draft.step is Step.DATE
    with pytest.raises(JournalInputError) as required:
        await journal.skip(ALICE)
    assert code_of(required) is InputError.DATE_REQUIRED
    with pytest.raises(JournalInputError) as future:
        await journal.answer(ALICE, "30.11.2026")
    assert code_of(future) is InputError.DATE_IN_FUTURE
    assert (await journal.draft(ALICE)).step is Step.DATE  # asked again

    assert (await journal.answer(ALICE, "вчера")).step is Step.TIME
    assert (await journal.skip(ALICE)).step is Step.PLACE
    assert (await journal.answer(ALICE, "  дома, на кухне ")).step is Step.WHAT_HAPPENED
    await journal.answer(ALICE, "Он толкнул меня")
    await journal.answer(ALICE, "синяк на руке")
    assert (await journal.skip(ALICE)).step is Step.CHILDREN
    with pytest.raises(JournalInputError) as choice:
        await journal.answer(ALICE, "maybe")
    assert code_of(choice) is InputError.NOT_A_CHOICE
    assert (await journal.answer(ALICE, "yes")).step is Step.POLICE
    await journal.answer(ALICE, "КУИ 123, сержант Ахметов")
    assert (await journal.skip(ALICE)).step is Step.ATTACHMENTS
    with pytest.raises(JournalInputError) as expects:
        await journal.answer(ALICE, "a text")
    assert code_of(expects) is InputError.EXPECTS_FILE
    draft = await journal.add_attachment(ALICE, NewAttachment(jpeg_bytes(), AttachmentKind.PHOTO, None, None))
    assert draft.step is Step.ATTACHMENTS and draft.attachments[0].mime_type == "image/jpeg"
    assert (await journal.skip(ALICE)).step is Step.REVIEW

    # From the review she changes one answer and comes back to the review.
    assert (await journal.go_to(ALICE, Step.TIME)).step is Step.TIME
    assert (await journal.answer(ALICE, "21:30")).step is Step.REVIEW
    with pytest.raises(JournalInputError) as not_now:
        await journal.answer(ALICE, "late")
    assert code_of(not_now) is InputError.NOT_NOW

    entry = await journal.save_draft(ALICE)
    assert await journal.draft(ALICE) is None
    assert entry.kind is RecordKind.ENTRY and entry.number == 1
    assert entry.fields == EntryFields(
        occurred_on=dt.date(2026, 11, 27),
        occurred_time=dt.time(21, 30),
        place="дома, на кухне",
        what_happened="Он толкнул меня",
        injuries="синяк на руке",
        children_present=ChildrenPresent.YES,
        police="КУИ 123, сержант Ахметов",
    )
    assert await journal.read_attachment(ALICE, entry.attachments[0].file_id) == jpeg_bytes()
    with pytest.raises(NoDraft):
        await journal.skip(ALICE)


async def test_a_draft_survives_a_restart_and_waits_for_the_pin(harness: Harness):
    await harness.service.create(ALICE, "246813")
    await harness.service.start_entry(ALICE)
    await harness.service.answer(ALICE, "вчера")
    await harness.service.add_attachment(ALICE, NewAttachment(png_bytes(), AttachmentKind.DOCUMENT, "scan.png"))

    restarted = harness.open_service()
    status = await restarted.status(ALICE)
    assert status.has_draft and status.has_pin and not status.unlocked
    with pytest.raises(JournalLocked):
        await restarted.draft(ALICE)
    await restarted.unlock(ALICE, "246813")
    draft = await restarted.draft(ALICE)
    assert draft.step is Step.TIME and draft.occurred_on == dt.date(2026, 11, 27)
    assert [item.name for item in draft.attachments] == ["scan.png"]


async def test_cancelling_a_draft_removes_its_files(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    await journal.start_entry(ALICE)
    draft = await journal.add_attachment(ALICE, NewAttachment(png_bytes(), AttachmentKind.PHOTO))
    draft = await journal.add_attachment(ALICE, NewAttachment(jpeg_bytes(), AttachmentKind.PHOTO))
    folder = harness.data_dir / "journal"
    assert len(list(folder.iterdir())) == 2
    draft = await journal.remove_attachment(ALICE, draft.attachments[0].file_id)
    assert len(draft.attachments) == 1 and len(list(folder.iterdir())) == 1
    await journal.cancel_draft(ALICE)
    assert list(folder.iterdir()) == []
    assert await harness.rows("SELECT * FROM journal_files") == []
    assert await journal.draft(ALICE) is None


async def test_attachment_limits(harness: Harness, monkeypatch: pytest.MonkeyPatch):
    journal = harness.service
    await journal.create(ALICE)
    await journal.start_entry(ALICE)
    with pytest.raises(JournalInputError) as large:
        await journal.add_attachment(ALICE, NewAttachment(bytes(MAX_ATTACHMENT_BYTES + 1), AttachmentKind.VIDEO))
    assert code_of(large) is InputError.FILE_TOO_LARGE
    monkeypatch.setattr("bot.journal.service.MAX_ATTACHMENTS", 2)
    for _ in range(2):
        await journal.add_attachment(ALICE, NewAttachment(b"voice", AttachmentKind.VOICE))
    with pytest.raises(JournalInputError) as many:
        await journal.add_attachment(ALICE, NewAttachment(b"voice", AttachmentKind.VOICE))
    assert code_of(many) is InputError.TOO_MANY_FILES


async def test_a_correction_is_a_new_entry_and_the_original_is_untouched(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    photo = NewAttachment(png_bytes(), AttachmentKind.PHOTO, "arm.png")
    original = await journal.add_entry(ALICE, EntryFields(dt.date(2026, 11, 20), place="kitchen"), [photo])
    stored_before = await harness.rows("SELECT * FROM journal_entries")

    draft = await journal.start_correction(ALICE, original.entry_id)
    assert draft.step is Step.REVIEW and draft.texts == {"place": "kitchen"} and draft.corrects == original.entry_id
    await journal.go_to(ALICE, Step.PLACE)
    assert (await journal.answer(ALICE, "hallway")).step is Step.REVIEW
    await journal.go_to(ALICE, Step.WITNESSES)
    await journal.answer(ALICE, "neighbour")
    # Dropping the inherited photo from the correction does not delete the file: the original uses it.
    await journal.remove_attachment(ALICE, original.attachments[0].file_id)
    correction = await journal.save_draft(ALICE)

    assert await harness.rows("SELECT * FROM journal_entries WHERE seq = 1") == stored_before
    assert correction.kind is RecordKind.CORRECTION and correction.corrects == original.entry_id
    assert correction.fields.place == "hallway" and correction.fields.witnesses == "neighbour"
    assert correction.attachments == ()
    assert await journal.read_attachment(ALICE, original.attachments[0].file_id) == png_bytes()

    listed = await journal.entries(ALICE)
    assert [(entry.number, entry.corrected_by) for entry in listed] == [(1, correction.entry_id), (2, None)]
    assert [entry.number for entry in await journal.entries(ALICE, current_only=True)] == [2]

    # Correcting the old version again corrects the newest one: history stays a line, not a tree.
    again = await journal.correct_entry(ALICE, original.entry_id, EntryFields(dt.date(2026, 11, 19)))
    assert again.corrects == correction.entry_id
    assert again.attachments == ()


async def test_deleting_an_entry_removes_all_its_versions_and_files_and_leaves_a_gap(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    keep = await journal.add_entry(ALICE, EntryFields(dt.date(2026, 11, 1), place="kept"))
    doomed = await journal.add_entry(
        ALICE, EntryFields(dt.date(2026, 11, 2)), [NewAttachment(png_bytes(), AttachmentKind.PHOTO)]
    )
    fixed = await journal.correct_entry(
        ALICE, doomed.entry_id, EntryFields(dt.date(2026, 11, 3)), [NewAttachment(jpeg_bytes(), AttachmentKind.PHOTO)]
    )
    assert len(fixed.attachments) == 2
    doomed_rows = await harness.rows("SELECT payload FROM journal_entries WHERE seq IN (2, 3)")

    gap = await journal.delete_entry(ALICE, fixed.entry_id)
    assert gap.kind is RecordKind.GAP and gap.number == 4
    assert [(link.seq, link.entry_id, link.entry_hash) for link in gap.removed] == [
        (2, doomed.entry_id, doomed.entry_hash),
        (3, fixed.entry_id, fixed.entry_hash),
    ]
    assert [record.number for record in await journal.records(ALICE)] == [1, 4]
    assert [entry.entry_id for entry in await journal.entries(ALICE)] == [keep.entry_id]
    assert list((harness.data_dir / "journal").iterdir()) == []
    assert await harness.rows("SELECT count(*) FROM journal_files") == [(0,)]
    for (payload,) in doomed_rows:  # not in the database file, not in the WAL: the key still exists
        assert harness.files_containing(payload) == []
    assert (await journal.verify(ALICE)).ok
    with pytest.raises(NotFound):
        await journal.delete_entry(ALICE, doomed.entry_id)
    with pytest.raises(NotFound):
        await journal.delete_entry(ALICE, gap.entry_id)  # the trace of a deletion cannot itself be deleted


async def test_stray_files_are_removed(harness: Harness):
    journal = harness.service
    await journal.create(ALICE)
    entry = await journal.add_entry(ALICE, EntryFields(TODAY), [NewAttachment(b"doc", AttachmentKind.DOCUMENT)])
    stray = harness.data_dir / "journal" / ("ab" * 16)
    stray.write_bytes(b"left by a crash")
    assert await journal.remove_stray_files() == 1
    assert not stray.exists()
    assert await journal.read_attachment(ALICE, entry.attachments[0].file_id) == b"doc"
