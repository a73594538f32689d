"""`python -m bot restore SRC --data-dir DIR`: a backup archive back into a new data folder, checked first.

Checked, in this order, before DIR is touched: DIR is new or empty; every member is a regular file with a
name a backup has (no absolute path, no `..`, no link: a hostile archive cannot write outside DIR); every
member is listed in the manifest with its SHA-256 and matches it, and nothing listed is missing; the key
configured now is the key the backup was made with (its check value, bot/storage/key_check.py); the
database passes `PRAGMA integrity_check`, is not newer than this program, and every journal file its rows
name is there.

Nothing is written into DIR until all of that passed: the members are extracted into a 0700 folder beside
DIR, which then takes DIR's place in one rename. On any failure that folder is removed and DIR is left as it
was. Files are created 0600, folders 0700.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import hmac
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bot.journal.files import FOLDER as JOURNAL_FOLDER
from bot.operations.archive import (
    DATABASE,
    MANIFEST,
    METADATA,
    Metadata,
    OperationError,
    OperationRefused,
    check_member,
    copy_hashing,
    journal_member,
    parse_manifest,
)
from bot.storage.database import bundled_migrations
from bot.storage.key_check import check_value

MAX_SMALL_MEMBER = 1 << 20  # backup.json and the manifest are a few kilobytes


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    journal_files: int
    schema_version: int
    created_at: str


def restore(source: Path, data_dir: Path, secret_key: bytes, key_variable: str) -> RestoreResult:
    """Raises OperationRefused (exit 2: nothing done) or OperationError (exit 1: DIR left as it was)."""
    if not source.is_file():
        raise OperationRefused(f"{source}: no such backup file")
    _require_empty(data_dir)
    if not data_dir.parent.is_dir():
        raise OperationRefused(f"{data_dir.parent}: no such folder")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.restore-", dir=data_dir.parent))  # mode 0700
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise OperationError(f"cannot write in {data_dir.parent} ({reason})") from None
    try:
        info, files = _extract_verified(source, staging)
        if not hmac.compare_digest(check_value(secret_key), bytes.fromhex(info.key_check)):
            raise OperationRefused(
                f"{key_variable}: this is not the key this backup was made with; nothing was written to {data_dir}"
            )
        _check_database(staging / DATABASE, info, files)
        _sync(staging)
        _move_into_place(staging, data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreResult(data_dir, len(files), info.schema_version, info.created_at)


def _require_empty(data_dir: Path) -> None:
    if data_dir.is_symlink() or (data_dir.exists() and not data_dir.is_dir()):
        raise OperationRefused(f"{data_dir}: not a folder; restore into a new or empty folder")
    if data_dir.is_dir() and any(data_dir.iterdir()):
        raise OperationRefused(f"{data_dir} is not empty; restore into a new or empty folder — nothing was changed")


def _extract_verified(source: Path, staging: Path) -> tuple[Metadata, set[str]]:
    """Every member written under staging (0600) and checked against the manifest; returns the backup's
    description and the journal file names restored."""
    digests: dict[str, str] = {}
    small: dict[str, bytes] = {}
    try:
        with tarfile.open(source, mode="r:*") as archive:
            for member in archive:
                check_member(member)
                if member.name in digests or member.name in small:
                    raise OperationError(f"{member.name!r}: appears twice in the archive")
                stream = archive.extractfile(member)
                if stream is None:  # only regular files get here
                    raise OperationError(f"{member.name!r}: cannot be read")
                with stream:
                    if member.name in (METADATA, MANIFEST):
                        data = stream.read(MAX_SMALL_MEMBER + 1)
                        if len(data) > MAX_SMALL_MEMBER:
                            raise OperationError(f"{member.name}: too large to be part of a backup")
                        small[member.name] = data
                        if member.name == METADATA:  # checked, not restored: the folder holds the data only
                            digests[METADATA] = hashlib.sha256(data).hexdigest()
                        continue
                    digests[member.name] = _write_member(stream, staging / member.name)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise OperationError(f"{source}: damaged or not a backup archive ({type(error).__name__})") from None
    if MANIFEST not in small:
        raise OperationError(f"{MANIFEST}: missing; this is not a whole backup")
    listed = parse_manifest(small[MANIFEST])
    for name, digest in digests.items():
        if name not in listed:
            raise OperationError(f"{name}: in the archive but not in its manifest")
        if not hmac.compare_digest(listed[name], digest):
            raise OperationError(f"{name}: does not match its SHA-256 in the manifest (changed or damaged)")
    if missing := sorted(listed.keys() - digests.keys()):
        raise OperationError(f"{missing[0]}: listed in the manifest but missing from the archive")
    if METADATA not in small or DATABASE not in digests:
        raise OperationError(f"{METADATA if METADATA not in small else DATABASE}: missing; this is not a backup")
    prefix = journal_member("")
    files = {name.removeprefix(prefix) for name in digests if name.startswith(prefix)}
    return Metadata.from_json(small[METADATA]), files


def _write_member(stream: IO[bytes], path: Path) -> str:
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            digest = copy_hashing(stream, handle)
            handle.flush()
            os.fsync(handle.fileno())
    except gzip.BadGzipFile:
        raise  # reading the archive: reported as a damaged archive
    except OSError as error:  # writing our own folder (a full disk)
        reason = error.strerror or type(error).__name__
        raise OperationError(f"cannot write beside the data folder ({reason})") from None
    return digest


def _check_database(path: Path, info: Metadata, files: set[str]) -> None:
    known = bundled_migrations()[-1].version
    try:
        connection = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as error:
        raise OperationError(f"{DATABASE}: cannot be opened ({error})") from None
    try:
        connection.execute("PRAGMA trusted_schema = OFF")
        verdict = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            raise OperationError(f"{DATABASE}: fails its integrity check ({verdict[0] if verdict else '?'})")
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version != info.schema_version:
            raise OperationError(f"{DATABASE}: schema version {version}, but {METADATA} says {info.schema_version}")
        if version > known:
            raise OperationError(
                f"{DATABASE}: schema version {version}, newer than this program knows ({known}); "
                "restore with the version that made the backup"
            )
        recorded = connection.execute("SELECT check_value FROM key_check WHERE id = 1").fetchone()
        if recorded is None or bytes(recorded[0]).hex() != info.key_check:
            raise OperationError(f"{DATABASE}: its key check differs from {METADATA}'s; the archive is inconsistent")
        named = {str(row[0]) for row in connection.execute("SELECT file_name FROM journal_files")}
    except sqlite3.Error as error:
        raise OperationError(f"{DATABASE}: not a usable database ({error})") from None
    finally:
        connection.close()
    if missing := named - files:
        raise OperationError(f"{len(missing)} journal file(s) the database refers to are missing from the archive")


def _sync(folder: Path) -> None:
    """The restored folder survives a power cut as soon as restore says it is done."""
    for path in [folder / JOURNAL_FOLDER, folder]:
        if path.is_dir():
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)


def _move_into_place(staging: Path, data_dir: Path) -> None:
    """One rename: DIR appears whole (or an empty DIR is replaced whole). A mount point cannot be replaced:
    then the members are moved into it, and taken out again if that fails."""
    try:
        os.rename(staging, data_dir)
        return
    except OSError:
        if not data_dir.is_dir() or any(data_dir.iterdir()):
            raise OperationRefused(f"{data_dir} is not empty; restore into a new or empty folder") from None
    moved: list[Path] = []
    try:
        for entry in sorted(staging.iterdir()):
            moved.append(Path(shutil.move(entry, data_dir / entry.name)))
        data_dir.chmod(0o700)
    except BaseException:
        for path in moved:
            with contextlib.suppress(OSError):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        raise
    shutil.rmtree(staging, ignore_errors=True)
