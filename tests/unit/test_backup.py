"""Backup and restore as plain functions (issue 13, item 9): what an archive holds and never holds, a restore
that gives back her journal, and every archive restore must refuse — with the folder left as it was."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import sqlite3
import stat
import tarfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot.operations.backup as backup_module
from bot.journal.model import AttachmentKind, EntryFields, NewAttachment
from bot.journal.service import JournalService
from bot.operations.archive import OperationError, OperationRefused
from bot.operations.backup import backup
from bot.operations.restore import restore
from bot.storage.database import Database, bundled_migrations
from bot.storage.key_check import verify_key
from tests.support.journal import ALICE, BOB, CHEAP_ARGON2, png_bytes

KEY_HEX = "5e" * 8 + "c0ffee42" * 6  # 64 hex characters, as `openssl rand -hex 32` writes a key
KEY = KEY_HEX.encode()
OTHER_KEY = b"another-key-another-key-another-key-0000"
WHAT_HAPPENED = "UNIQ-backup-7Qx pushed me against the door"
MOMENT = dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)


@dataclass
class Folder:
    data_dir: Path
    journal: JournalService
    database: Database
    photo: bytes


def journal_on(data_dir: Path, database: Database) -> JournalService:
    return JournalService(database, data_dir, KEY, argon2=CHEAP_ARGON2)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Folder]:
    """A data folder in use, as the running bot leaves it: the key beside the data (the weak setup), a .env,
    a database with its key check and an open connection, her journal entry with a photo."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / "secret.key").write_text(KEY_HEX + "\n")
    (data_dir / ".env").write_text(f"BOT_SECRET_KEY={KEY_HEX}\n")
    database = await Database.open(data_dir / "bot.sqlite3")
    await verify_key(database, KEY)
    journal = journal_on(data_dir, database)
    photo = png_bytes(32, 24, (10, 200, 30))
    await journal.create(ALICE)
    await journal.add_entry(
        ALICE,
        EntryFields(dt.date(2026, 11, 30), what_happened=WHAT_HAPPENED),
        [NewAttachment(photo, AttachmentKind.PHOTO, "door.png", "image/png")],
    )
    try:
        yield Folder(data_dir, journal, database, photo)
    finally:
        await database.close()


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {member.name: tar.extractfile(member).read() for member in tar}  # type: ignore[union-attr]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def temporaries_beside(folder: Path) -> list[str]:
    """Hidden folders a backup or restore works in (.bot-backup-….tmp, .<name>.restore-…)."""
    return [path.name for path in folder.parent.iterdir() if path.name.startswith(".")]


def tar_of(path: Path, entries: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w") as tar:
        for info, data in entries:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def regular(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def test_an_archive_holds_the_snapshot_and_its_files_and_never_the_key(live: Folder, tmp_path: Path):
    backups = tmp_path / "backups"
    backups.mkdir()
    stray = live.data_dir / "journal" / ("ab" * 16)
    stray.write_bytes(b"a file no row refers to")

    result = backup(live.data_dir, backups, now=MOMENT)

    assert result.path == backups / "bot-backup-20261201T023000Z.tar.gz"
    assert mode(result.path) == 0o600 and result.size == result.path.stat().st_size
    assert list(backups.iterdir()) == [result.path]  # no temporary folder, no snapshot left beside it
    content = members(result.path)
    photo_file = next(name for name in content if name.startswith("journal/"))
    assert list(content) == ["backup.json", "bot.sqlite3", photo_file, "MANIFEST.sha256"]
    assert result.members == 4 and result.journal_files == 1
    assert f"journal/{stray.name}" not in content
    manifest = dict(reversed(line.split("  ")) for line in content["MANIFEST.sha256"].decode().splitlines())
    assert manifest == {
        name: hashlib.sha256(data).hexdigest() for name, data in content.items() if name != "MANIFEST.sha256"
    }
    info = json.loads(content["backup.json"])
    assert info["schema_version"] == len(bundled_migrations()) and info["created_at"] == "2026-12-01T02:30:00+00:00"
    assert info["program_version"] and len(bytes.fromhex(info["key_check"])) == 16
    # The key, as text or as bytes, is nowhere: not in a member, not in the compressed or uncompressed file.
    compressed = result.path.read_bytes()
    whole = compressed + gzip.decompress(compressed) + b"".join(content.values())
    for needle in (KEY, bytes.fromhex(KEY_HEX), KEY_HEX.upper().encode()):
        assert needle not in whole
    assert WHAT_HAPPENED.encode() not in whole and live.photo not in whole  # encrypted, in the archive too


async def test_a_restore_gives_back_her_journal_in_a_private_folder(live: Folder, tmp_path: Path):
    archive = backup(live.data_dir, tmp_path / "nightly.tar", now=MOMENT).path
    restored = tmp_path / "restored"

    result = restore(archive, restored, KEY, "BOT_SECRET_KEY")

    assert result.journal_files == 1 and result.schema_version == len(bundled_migrations())
    assert mode(restored) == 0o700 and mode(restored / "journal") == 0o700
    assert {path.name: mode(path) for path in restored.rglob("*") if path.is_file()} == {
        path.name: 0o600 for path in restored.rglob("*") if path.is_file()
    }
    assert not (restored / "secret.key").exists() and not (restored / ".env").exists()
    assert temporaries_beside(restored) == []
    database = await Database.open(restored / "bot.sqlite3")
    try:
        assert await database.integrity_ok()
        journal = journal_on(restored, database)
        await journal.unlock(ALICE)  # a new process: no key in memory; her journal has no PIN
        (entry,) = await journal.entries(ALICE)
        assert entry.fields.what_happened == WHAT_HAPPENED
        assert await journal.read_attachment(ALICE, entry.attachments[0].file_id) == live.photo
    finally:
        await database.close()


def test_an_empty_existing_folder_is_filled_and_a_non_empty_one_refused(live: Folder, tmp_path: Path):
    archive = backup(live.data_dir, tmp_path / "b.tar.gz").path
    empty = tmp_path / "empty"
    empty.mkdir(mode=0o755)
    restore(archive, empty, KEY, "BOT_SECRET_KEY")
    assert (empty / "bot.sqlite3").is_file() and mode(empty) == 0o700

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(OperationRefused, match="is not empty"):
        restore(archive, busy, KEY, "BOT_SECRET_KEY")
    assert [path.name for path in busy.iterdir()] == ["notes.txt"]


def test_the_wrong_key_is_refused_and_nothing_is_written(live: Folder, tmp_path: Path):
    archive = backup(live.data_dir, tmp_path / "b.tar.gz").path
    target = tmp_path / "target"
    target.mkdir()
    with pytest.raises(OperationRefused, match="BOT_SECRET_KEY_FILE: this is not the key this backup was made with"):
        restore(archive, target, OTHER_KEY, "BOT_SECRET_KEY_FILE")
    assert list(target.iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["b.tar.gz", "data", "target"]


def test_one_changed_byte_is_found_and_named(live: Folder, tmp_path: Path):
    archive = backup(live.data_dir, tmp_path / "b.tar").path
    with tarfile.open(archive) as tar:
        offset = tar.getmember("bot.sqlite3").offset_data + 5000
    data = bytearray(archive.read_bytes())
    data[offset] ^= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(OperationError, match=r"^bot.sqlite3: does not match its SHA-256 in the manifest"):
        restore(archive, tmp_path / "target", KEY, "BOT_SECRET_KEY")
    assert not (tmp_path / "target").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["b.tar", "data"]


@pytest.mark.parametrize(
    ("member", "problem"),
    [
        (regular("../escaped"), "a path outside the data folder"),
        (regular("journal/../../escaped"), "a path outside the data folder"),
        (regular("/tmp/escaped"), "a path outside the data folder"),
        (regular("secret.key"), "not part of a backup"),
        (regular("bot.sqlite3-wal"), "not part of a backup"),
    ],
)
def test_a_hostile_member_is_refused_before_anything_is_written(live: Folder, tmp_path: Path, member, problem):
    genuine = members(backup(live.data_dir, tmp_path / "b.tar").path)
    hostile = [(regular(name), data) for name, data in genuine.items() if name != "MANIFEST.sha256"]
    hostile.insert(1, (member, b"x"))
    archive = tar_of(tmp_path / "hostile.tar", [*hostile, (regular("MANIFEST.sha256"), genuine["MANIFEST.sha256"])])
    with pytest.raises(OperationError, match=problem):
        restore(archive, tmp_path / "target", KEY, "BOT_SECRET_KEY")
    assert not (tmp_path / "target").exists() and not (tmp_path / "escaped").exists()
    assert not Path("/tmp/escaped").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["b.tar", "data", "hostile.tar"]


def test_links_and_unlisted_or_missing_members_are_refused(live: Folder, tmp_path: Path):
    genuine = members(backup(live.data_dir, tmp_path / "b.tar").path)
    photo = next(name for name in genuine if name.startswith("journal/"))
    link = tarfile.TarInfo(photo)
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    cases = {
        "a link": [(link, b""), (regular("MANIFEST.sha256"), genuine["MANIFEST.sha256"])],
        "listed in the manifest but missing from the archive": [
            (regular(name), data) for name, data in genuine.items() if name != photo
        ],
        "in the archive but not in its manifest": [
            *[(regular(name), data) for name, data in genuine.items() if name != "MANIFEST.sha256"],
            (regular("journal/" + "cd" * 16), b"extra"),
            (regular("MANIFEST.sha256"), genuine["MANIFEST.sha256"]),
        ],
    }
    for problem, entries in cases.items():
        archive = tar_of(tmp_path / "odd.tar", entries)
        with pytest.raises(OperationError, match=problem):
            restore(archive, tmp_path / "target", KEY, "BOT_SECRET_KEY")
        assert not (tmp_path / "target").exists()


async def test_a_file_deleted_during_the_backup_starts_it_over_without_that_journal(
    live: Folder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    await live.journal.create(BOB)
    await live.journal.add_entry(
        BOB, EntryFields(dt.date(2026, 11, 29)), [NewAttachment(png_bytes(), AttachmentKind.PHOTO, None, None)]
    )
    copy_file = backup_module._add_journal_file
    deleted: list[str] = []

    def delete_then_copy(archive, data_dir, file_name, now):  # type: ignore[no-untyped-def]
        if not deleted:  # as the bot deletes a journal: its rows first (committed), then its files
            with sqlite3.connect(data_dir / "bot.sqlite3") as other:
                other.execute("PRAGMA foreign_keys = ON")
                names = [
                    row[0] for row in other.execute("SELECT file_name FROM journal_files WHERE user_key = ?", (BOB,))
                ]
                other.execute("DELETE FROM journal_keys WHERE user_key = ?", (BOB,))
            for name in names:
                (data_dir / "journal" / name).unlink()
            deleted.extend(names)
        return copy_file(archive, data_dir, file_name, now)

    monkeypatch.setattr(backup_module, "_add_journal_file", delete_then_copy)
    result = backup(live.data_dir, tmp_path / "b.tar")
    assert deleted and result.journal_files == 1  # her file only: Bob's journal was gone by the second try
    assert not any(name.removeprefix("journal/") in deleted for name in members(result.path))
    restore(result.path, tmp_path / "target", KEY, "BOT_SECRET_KEY")


def test_backup_refuses_what_it_cannot_do_well(live: Folder, tmp_path: Path):
    with pytest.raises(OperationRefused, match="no database at"):
        backup(tmp_path / "nothing-here", tmp_path)
    with pytest.raises(OperationRefused, match=r"must end in \.tar\.gz, \.tgz or \.tar"):
        backup(live.data_dir, tmp_path / "backup.zip")
    with pytest.raises(OperationRefused, match="inside the data folder"):
        backup(live.data_dir, live.data_dir)
    first = backup(live.data_dir, tmp_path / "b.tar.gz").path
    with pytest.raises(OperationRefused, match="already exists"):
        backup(live.data_dir, first)


def test_an_interrupted_backup_leaves_nothing(live: Folder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def interrupted(*_args: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(backup_module, "_add_journal_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        backup(live.data_dir, tmp_path / "b.tar.gz")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]
