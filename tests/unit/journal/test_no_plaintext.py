"""Nothing she writes reaches the disk or the logs in clear: database, WAL, shared memory, files, log lines."""

from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
from PIL import Image, PngImagePlugin

from bot.journal.model import AttachmentKind, ChildrenPresent, EntryFields, NewAttachment
from bot.storage.database import Database
from tests.support.journal import ALICE, Harness

UNIQUE = "Гүлнұр-qx7Zt9-ӘҒҚ"  # typed in the entry
DRAFT_UNIQUE = "Draftword-k3Lm8"  # typed in a draft not yet saved
FILE_NAME = "evidence-Vw4pQ2.png"  # the original name of the photo
PIXEL_MARKER = "PixelMarker-Jh5R"  # inside the photo's bytes


def photo_with_marker() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PIXEL_MARKER)
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 10)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def secrets_in(harness: Harness) -> dict[str, list[str]]:
    needles = {
        "entry text": UNIQUE.encode(),
        "entry text (ascii part)": b"qx7Zt9",
        "draft text": DRAFT_UNIQUE.encode(),
        "file name": FILE_NAME.encode(),
        "file name (stem)": b"Vw4pQ2",
        "photo bytes": PIXEL_MARKER.encode(),
    }
    return {label: found for label, needle in needles.items() if (found := harness.files_containing(needle))}


async def test_no_plaintext_in_the_data_folder_open_or_closed(harness: Harness, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    journal = harness.service
    photo = photo_with_marker()
    assert PIXEL_MARKER.encode() in photo
    await journal.create(ALICE, "246813")
    text = f"{UNIQUE} hit me"
    entry = await journal.add_entry(
        ALICE,
        EntryFields(
            dt.date(2026, 11, 27), dt.time(23, 10), place=UNIQUE, what_happened=text, injuries=UNIQUE,
            witnesses=UNIQUE, children_present=ChildrenPresent.YES, police=UNIQUE, medical_visit=UNIQUE,
        ),
        [NewAttachment(photo, AttachmentKind.PHOTO, FILE_NAME, "image/png")],
    )  # fmt: skip
    await journal.correct_entry(ALICE, entry.entry_id, EntryFields(dt.date(2026, 11, 27), what_happened=text))
    await journal.start_entry(ALICE)
    await journal.answer(ALICE, "вчера")
    await journal.skip(ALICE)
    await journal.answer(ALICE, DRAFT_UNIQUE)
    await journal.add_attachment(ALICE, NewAttachment(photo, AttachmentKind.DOCUMENT, FILE_NAME, "image/png"))

    # While the database is open, before any checkpoint: the WAL holds the newest pages.
    names = {path.name for path in harness.stored_files()}
    assert {"bot.sqlite3", "bot.sqlite3-wal", "bot.sqlite3-shm"} <= names
    assert len(list((harness.data_dir / "journal").iterdir())) == 2
    assert harness.files_containing(b"journal-entry") == []  # associated data is not stored either
    assert secrets_in(harness) == {}

    # What is read back is what she wrote (so the search above looked for the right bytes).
    original = (await journal.records(ALICE))[0]
    assert original.fields.place == UNIQUE and original.attachments[0].name == FILE_NAME
    assert (await journal.draft(ALICE)).texts == {"place": DRAFT_UNIQUE}

    await harness.database.close()
    assert secrets_in(harness) == {}
    for needle in (UNIQUE, DRAFT_UNIQUE, FILE_NAME, "Vw4pQ2", "qx7Zt9", PIXEL_MARKER):
        assert needle not in caplog.text
    harness.database = await Database.open(harness.data_dir / "bot.sqlite3")  # for the fixture to close


async def test_the_search_does_see_plaintext_in_the_wal_and_the_files(harness: Harness):
    """The check above is only worth something if the search finds clear text where it is."""
    await harness.execute(
        "INSERT INTO users (user_key, language, screen, created_at, updated_at) VALUES ('k', 'ru', ?, 0, 0)", UNIQUE
    )
    assert "bot.sqlite3-wal" in secrets_in(harness)["entry text"]
    (harness.data_dir / "journal").mkdir()
    (harness.data_dir / "journal" / ("cd" * 16)).write_bytes(photo_with_marker())
    assert secrets_in(harness)["photo bytes"] == ["cd" * 16]
