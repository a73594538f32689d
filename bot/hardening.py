"""What every start of the bot does to its own process and data folder, before anything is read or written.

A survivor's data must be readable by the service's user alone, whatever the folder's history: files the
bot creates get no permissions for anyone else (umask 077), an existing data folder is brought back to
0700 with 0600 files (a copy restored with the wrong mode, an operator's chmod), and the process leaves no
core dump — a core file would hold open journal keys and decrypted entries from memory.
"""

from __future__ import annotations

import fcntl
import logging
import os
import resource
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def harden_process() -> None:
    """No permissions for group or others on anything created from now on; no core dumps."""
    os.umask(0o077)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def secure_data_dir(data_dir: Path) -> int:
    """The folder 0700, every folder in it 0700 and every file 0600; returns how many had to be fixed."""
    fixed = 0
    for folder, folders, files in os.walk(data_dir):
        for path, wanted in [(Path(folder), PRIVATE_FOLDER)] + [(Path(folder) / name, PRIVATE_FILE) for name in files]:
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                continue  # never follow a link out of the folder
            if stat.S_IMODE(mode) != wanted:
                path.chmod(wanted)
                fixed += 1
        folders[:] = [name for name in folders if not (Path(folder) / name).is_symlink()]
    if fixed:
        log.warning("data folder permissions tightened items=%d (now 0700 folders, 0600 files)", fixed)
    return fixed


LOCK_FILE = ".lock"


class DataFolderBusy(Exception):
    """Another process of the bot holds the data folder."""


def lock_data_dir(data_dir: Path) -> int:
    """One process at a time on a data folder: a running bot, or a key rotation (which must not rewrite what a
    running bot is using). Returns the descriptor holding the lock; the lock goes with the process, even a
    killed one. Raises DataFolderBusy."""
    descriptor = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise DataFolderBusy(f"another bot process is using {data_dir}; stop it first") from None
    return descriptor
