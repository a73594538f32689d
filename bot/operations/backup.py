"""`python -m bot backup DEST`: one archive holding a consistent snapshot of the data folder, while the bot runs.

Consistent: the database is copied through SQLite's online backup API in one step, inside one read transaction
(the live database is in WAL mode, so the bot goes on writing meanwhile), and the journal files copied are
exactly the ones the copy's rows refer to. Files written after the snapshot are not needed (no row of it names them).
The journal writes a file before its row and deletes a row before its file, so a file the snapshot names
was there when the snapshot was taken; if one is gone by the time it is copied, its journal or entry was
deleted meanwhile — the backup then starts over from a fresh snapshot (which no longer names it), at most
ATTEMPTS times, rather than bring back a row without its file.

Never the key: only the members bot/operations/archive.py names are written, so `secret.key`, a `.env` or
a key file can never end up in it. Never a half archive under a real name: the archive is written inside a
0700 temporary folder beside DEST (which also holds the database snapshot, removed on every path), flushed
to disk, then linked to its name (never over an existing file).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata as package_metadata
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from bot.journal.files import FOLDER as JOURNAL_FOLDER
from bot.journal.files import NAME as JOURNAL_NAME
from bot.operations.archive import (
    DATABASE,
    MANIFEST,
    METADATA,
    SUFFIXES,
    HashingReader,
    Metadata,
    OperationError,
    OperationRefused,
    journal_member,
    manifest_text,
)

ATTEMPTS = 3
PACKAGE = "safe-harbor-bot"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    members: int
    journal_files: int


class _FileVanished(Exception):
    """A journal file the snapshot names was deleted before it was copied: take a new snapshot."""


def backup(data_dir: Path, dest: Path, now: dt.datetime | None = None) -> BackupResult:
    """Write the archive; raises OperationRefused (nothing done) or OperationError (nothing left behind)."""
    database = data_dir / DATABASE
    if not database.is_file():
        raise OperationRefused(
            f"BOT_DATA_DIR: no database at {database} — nothing to back up (is this the bot's data folder?)"
        )
    now = now or dt.datetime.now(dt.UTC)
    target = _target(data_dir, dest, now)
    try:
        work = Path(tempfile.mkdtemp(prefix=".bot-backup-", suffix=".tmp", dir=target.parent))  # mode 0700
    except OSError as error:
        raise OperationError(f"cannot write in {target.parent} ({error.strerror or type(error).__name__})") from None
    try:
        for _attempt in range(ATTEMPTS):
            with contextlib.suppress(_FileVanished):
                partial, members, files = _write_archive(data_dir, work, target.name, now)
                break
        else:
            raise OperationError(
                "journal files kept being deleted while the backup ran (a journal deleted meanwhile); run it again"
            )
        _link(partial, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(target, target.stat().st_size, members, files)


def _target(data_dir: Path, dest: Path, now: dt.datetime) -> Path:
    if dest.is_dir():
        target = dest / f"bot-backup-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"
    else:
        target = dest
        if not target.name.endswith(SUFFIXES):
            raise OperationRefused(f"{dest}: the archive's name must end in .tar.gz, .tgz or .tar (or give a folder)")
        if not target.parent.is_dir():
            raise OperationRefused(f"{target.parent}: no such folder")
    if target.exists():
        raise OperationRefused(f"{target} already exists; a backup never replaces another")
    if target.resolve().is_relative_to(data_dir.resolve()):
        raise OperationRefused(f"{target}: inside the data folder; keep backups on another disk, away from the data")
    return target


def _write_archive(data_dir: Path, work: Path, name: str, now: dt.datetime) -> tuple[Path, int, int]:
    """One attempt: snapshot, then the archive at work/name. Raises _FileVanished to be tried again."""
    snapshot = work / DATABASE
    partial = work / name
    for leftover in (snapshot, partial):
        leftover.unlink(missing_ok=True)
    _snapshot(data_dir / DATABASE, snapshot)
    copy = sqlite3.connect(snapshot)
    try:
        # Everything is read from the copy, so the rows, the file names and the pages are the same moment.
        verdict = copy.execute("PRAGMA integrity_check").fetchone()
        if not verdict or verdict[0] != "ok":
            raise OperationError("the database fails its integrity check; a copy of it would not restore")
        schema_version = int(copy.execute("PRAGMA user_version").fetchone()[0])
        key_check = _key_check(copy)
        names = [str(row[0]) for row in copy.execute("SELECT file_name FROM journal_files ORDER BY file_name")]
    finally:
        copy.close()
    info = Metadata(schema_version, now.isoformat(timespec="seconds"), _program_version(), key_check.hex())
    # 0600 whatever the umask: the archive holds everything the database holds in the clear.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        with _open_tar(raw, gzip=name.endswith((".tar.gz", ".tgz"))) as archive:
            digests = {METADATA: _add_bytes(archive, METADATA, info.to_json(), now)}
            with snapshot.open("rb") as handle:
                digests[DATABASE] = _add_file(archive, DATABASE, handle, now)
            for file_name in names:
                digests[journal_member(file_name)] = _add_journal_file(archive, data_dir, file_name, now)
            _add_bytes(archive, MANIFEST, manifest_text(digests), now)
        raw.flush()
        os.fsync(raw.fileno())
    snapshot.unlink()
    return partial, len(digests) + 1, len(names)


def _snapshot(database: Path, snapshot: Path) -> None:
    """SQLite's online backup in one step: one read transaction on a read-only connection, held only while
    the pages are copied (the database is small — attachments are files), so the bot's writes go on and its
    WAL checkpoints wait at most that long."""
    source = sqlite3.connect(f"file:{quote(str(database))}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(snapshot)
        try:
            source.backup(copy)
        finally:
            copy.close()
    except sqlite3.Error as error:
        raise OperationError(f"cannot copy the database {database} ({error})") from None
    finally:
        source.close()


def _open_tar(raw: BinaryIO, *, gzip: bool) -> tarfile.TarFile:
    if gzip:
        return tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT)
    return tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT)


def _key_check(source: sqlite3.Connection) -> bytes:
    try:
        row = source.execute("SELECT check_value FROM key_check WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        row = None  # a database from before the key check (schema < 7)
    if row is None:
        # A backup whose key cannot be checked at restore would open only by trial; the bot records the check
        # at every start, so this is a database the current version has never run on.
        raise OperationRefused(
            "the database records no key check yet: start the bot once with this version (it records one), then back up"
        )
    return bytes(row[0])


def _add_journal_file(archive: tarfile.TarFile, data_dir: Path, file_name: str, now: dt.datetime) -> str:
    if not JOURNAL_NAME.match(file_name):
        raise OperationError("the database names a journal file that is not the bot's; run the integrity checks")
    try:
        handle = (data_dir / JOURNAL_FOLDER / file_name).open("rb")
    except FileNotFoundError:
        raise _FileVanished() from None
    # Once open, the file is read whole even if it is deleted meanwhile.
    with handle:
        return _add_file(archive, journal_member(file_name), handle, now)


def _add_file(archive: tarfile.TarFile, name: str, handle: io.BufferedReader, now: dt.datetime) -> str:
    reader = HashingReader(handle)
    archive.addfile(_info(name, os.fstat(handle.fileno()).st_size, now), reader)
    return reader.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, now: dt.datetime) -> str:
    reader = HashingReader(io.BytesIO(data))
    archive.addfile(_info(name, len(data), now), reader)
    return reader.hexdigest()


def _info(name: str, size: int, now: dt.datetime) -> tarfile.TarInfo:
    # Owner-only mode, and no user or group name of the server in the archive.
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(now.timestamp())
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _link(partial: Path, target: Path) -> None:
    """The finished archive appears under its name at once, and never over an existing file."""
    try:
        os.link(partial, target)
    except FileExistsError:
        raise OperationRefused(f"{target} already exists; a backup never replaces another") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise OperationRefused(f"{target} already exists; a backup never replaces another") from None
        os.replace(partial, target)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _program_version() -> str:
    try:
        return package_metadata.version(PACKAGE)
    except package_metadata.PackageNotFoundError:
        return "unknown"
