"""Encrypted attachment files under BOT_DATA_DIR/journal/, one file per attachment, named at random.

The name says nothing (128 random bits in hex); the original name and type live only inside the encrypted
entry. Writes go to a temporary file that is flushed to disk and then renamed, so a crash never leaves half
a file under a real name. These are blocking calls: the service runs them in a thread.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

FOLDER = "journal"
NAME = re.compile(r"^[0-9a-f]{32}$")


def new_file_name() -> str:
    return secrets.token_hex(16)


class AttachmentStore:
    def __init__(self, data_dir: Path) -> None:
        self.folder = Path(data_dir) / FOLDER

    def write(self, name: str, sealed: bytes) -> None:
        self._check(name)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = self.folder / f".{name}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(sealed)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.folder / name)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            raise

    def read(self, name: str) -> bytes:
        self._check(name)
        return (self.folder / name).read_bytes()

    def delete(self, names: list[str] | set[str]) -> None:
        for name in names:
            self._check(name)
            with contextlib.suppress(FileNotFoundError):
                (self.folder / name).unlink()

    def names(self) -> set[str]:
        """Every attachment file present (and any temporary file left by a crash, by its stored name)."""
        if not self.folder.is_dir():
            return set()
        return {path.name for path in self.folder.iterdir() if path.is_file()}

    def remove_stray(self, keep: set[str]) -> int:
        """Delete files no journal refers to (left by a crash between a write and its row). Returns how many."""
        removed = 0
        for name in self.names() - keep:
            with contextlib.suppress(FileNotFoundError):
                (self.folder / name).unlink()
            removed += 1
        return removed

    @staticmethod
    def _check(name: str) -> None:
        # Names come from our own rows, but a path is built from them: refuse anything that is not ours.
        if not NAME.match(name):
            raise ValueError("not an attachment file name")
