"""What a backup archive holds and how its members are named, checked and hashed: shared by backup and restore.

One tar file (gzip-compressed or not), members in this order:

    backup.json        format, schema version, time, program version, the key check value (never the key)
    bot.sqlite3        the database, a consistent snapshot
    journal/<32 hex>   each encrypted attachment file the snapshot's rows refer to
    MANIFEST.sha256    one `<sha256>  <name>` line per member above, as `sha256sum` writes and checks them

Nothing else is ever written, and restore accepts nothing else: only these names, only regular files. So
an archive cannot carry the key (`secret.key`), a `.env`, a link, or a path outside the folder it is
restored into. The manifest detects damage (a bad disk, a cut-off copy); it is not a signature — whoever
can rewrite the archive can rewrite the manifest too (README: Backup and restore).
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from dataclasses import dataclass
from typing import IO

from bot.config import DATABASE_FILE
from bot.journal.files import FOLDER as JOURNAL_FOLDER
from bot.journal.files import NAME as JOURNAL_NAME

FORMAT = 1
METADATA = "backup.json"
MANIFEST = "MANIFEST.sha256"
DATABASE = DATABASE_FILE
SUFFIXES = (".tar.gz", ".tgz", ".tar")
MANIFEST_LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$")
CHUNK = 1 << 20


class OperationError(Exception):
    """A backup or restore that did not happen; one line for the operator. Exit code 1."""


class OperationRefused(OperationError):
    """Refused before anything was done: a usage or configuration problem. Exit code 2."""


@dataclass(frozen=True)
class Metadata:
    schema_version: int
    created_at: str  # ISO 8601, UTC
    program_version: str
    key_check: str  # hex of bot/storage/key_check.py's check value: says nothing of the key

    def to_json(self) -> bytes:
        fields = {"format": FORMAT, **self.__dict__}
        return (json.dumps(fields, indent=2) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Metadata:
        try:
            fields = json.loads(data)
            if fields.get("format") != FORMAT:
                raise OperationError(f"{METADATA}: unknown backup format {fields.get('format')!r}")
            metadata = cls(
                int(fields["schema_version"]),
                str(fields["created_at"]),
                str(fields["program_version"]),
                str(fields["key_check"]),
            )
            bytes.fromhex(metadata.key_check)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise OperationError(f"{METADATA}: not a backup description") from None
        return metadata


def journal_member(file_name: str) -> str:
    return f"{JOURNAL_FOLDER}/{file_name}"


def allowed_name(name: str) -> bool:
    if name in (METADATA, DATABASE, MANIFEST):
        return True
    folder, _, file_name = name.partition("/")
    return folder == JOURNAL_FOLDER and JOURNAL_NAME.match(file_name) is not None


def check_member(member: tarfile.TarInfo) -> None:
    """Refuse a member restore must not write: a path that leaves the folder, a link, a device, a name that
    is not part of a backup. The name is shown with repr(): a hostile name must not drive the terminal."""
    name = member.name
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise OperationError(f"{name!r}: a path outside the data folder; this archive is not a safe backup")
    if member.issym() or member.islnk():
        raise OperationError(f"{name!r}: a link; a backup holds regular files only")
    if not member.isreg():
        raise OperationError(f"{name!r}: not a regular file; a backup holds regular files only")
    if not allowed_name(name):
        raise OperationError(f"{name!r}: not part of a backup")


def manifest_text(digests: dict[str, str]) -> bytes:
    return "".join(f"{digest}  {name}\n" for name, digest in digests.items()).encode("ascii")


def parse_manifest(data: bytes) -> dict[str, str]:
    listed: dict[str, str] = {}
    try:
        lines = data.decode("ascii").splitlines()
    except UnicodeDecodeError:
        raise OperationError(f"{MANIFEST}: not a manifest") from None
    for number, line in enumerate(lines, start=1):
        match = MANIFEST_LINE.match(line)
        if not match or not allowed_name(match[2]) or match[2] in listed:
            raise OperationError(f"{MANIFEST}: line {number} is malformed")
        listed[match[2]] = match[1]
    return listed


def copy_hashing(source: IO[bytes], target: IO[bytes]) -> str:
    """Copy to the end of `source`, returning the SHA-256 of exactly the bytes copied."""
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest()


class HashingReader:
    """A file wrapper that hashes what tarfile reads from it, so the manifest names the bytes archived."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size)
        self._digest.update(chunk)
        return chunk

    def hexdigest(self) -> str:
        return self._digest.hexdigest()
