"""The shipped deploy/ files read the way systemd reads them, for tests/unit/test_deploy.py and
tests/e2e/test_systemd_sandbox.py: a unit's directives (repeated keys kept, in order), a copy of the units whose
ExecStart= runs this test's Python (`systemd-analyze verify` insists the program exists), and the seccomp
sandbox a unit asks for (its SystemCallFilter= expanded by systemd-analyze itself)."""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
UNITS = DEPLOY / "systemd"
SERVICE = UNITS / "dv-help-bot.service"
BACKUP_SERVICE = UNITS / "dv-help-bot-backup.service"
BACKUP_TIMER = UNITS / "dv-help-bot-backup.timer"
SHIPPED_PYTHON = "/opt/dv-help-bot/venv/bin/python"  # where README's install puts the virtual environment
SANDBOX_SITE = Path(__file__).resolve().parent / "sandbox_site"  # its sitecustomize.py installs the sandbox

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def directives(unit: Path) -> dict[str, list[tuple[str, str]]]:
    """Section -> [(key, value)] in file order; comments and blank lines dropped, continued lines joined."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    pending = ""
    for raw in unit.read_text(encoding="utf-8").splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line.startswith(("#", ";")):
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, _, value = line.partition("=")
        if current is None:
            raise ValueError(f"{unit}: {key} before any [section]")
        current.append((key.strip(), value.strip()))
    return sections


def values(unit: Path, section: str, key: str) -> list[str]:
    return [value for name, value in directives(unit).get(section, []) if name == key]


def value(unit: Path, section: str, key: str) -> str | None:
    """The effective value of a key set once (the last one wins, as in systemd)."""
    found = values(unit, section, key)
    return found[-1] if found else None


def runnable_copies(folder: Path) -> list[Path]:
    """The units, byte for byte, except that the virtual environment's python is this test's own."""
    copies = []
    for unit in (SERVICE, BACKUP_SERVICE, BACKUP_TIMER):
        copy = folder / unit.name
        copy.write_text(unit.read_text(encoding="utf-8").replace(SHIPPED_PYTHON, sys.executable), encoding="utf-8")
        copies.append(copy)
    return copies


def verify(units: list[Path]) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` on the units together (so the timer finds its service)."""
    assert SYSTEMD_ANALYZE is not None
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *map(str, units)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=units[0].parent,
    )


def system_calls(name: str, _seen: set[str] | None = None) -> set[str]:
    """A system call, or every call of a @group as this machine's systemd defines it (nested groups expanded)."""
    if not name.startswith("@"):
        return {name}
    assert SYSTEMD_ANALYZE is not None
    seen = _seen if _seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    listing = subprocess.run(
        [SYSTEMD_ANALYZE, "syscall-filter", name], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    calls: set[str] = set()
    for line in listing[1:]:  # the first line is the group's own name
        entry = line.strip()
        if entry and not entry.startswith("#"):
            calls |= system_calls(entry, seen)
    return calls


def sandbox(unit: Path) -> dict[str, object]:
    """What the unit's seccomp settings allow, as tests/support/sandbox_site/sitecustomize.py applies them.

    As systemd does: the first SystemCallFilter= line decides between an allow list and a deny list, a later
    `~` line takes calls away from an allow list, and an allow list always includes @default."""
    filters = values(unit, "Service", "SystemCallFilter")
    if not filters or filters[0].startswith("~"):
        raise ValueError(f"{unit}: no SystemCallFilter allow list to emulate")
    allowed = system_calls("@default")
    for line in filters:
        denied = line.startswith("~")
        for name in line.removeprefix("~").split():
            allowed = allowed - system_calls(name) if denied else allowed | system_calls(name)
    error_name = value(unit, "Service", "SystemCallErrorNumber") or "EPERM"
    return {
        "allowed_system_calls": sorted(allowed),
        "errno": getattr(errno, error_name),
        "memory_deny_write_execute": value(unit, "Service", "MemoryDenyWriteExecute") == "yes",
    }


def libseccomp_available() -> bool:
    import ctypes
    import ctypes.util

    try:
        ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2")
    except OSError:
        return False
    return True


def credential_like_systemd(folder: Path, name: str, text: str, service_uid: int = 65534) -> Path:
    """A file the way systemd 255+ hands a LoadCredential= to a service: in a folder of its own, mode 0400 and
    owned by root, with a POSIX ACL granting the service's user read access — so it shows as mode 0440. Where the
    file system takes no ACL (systemd then chowns the file instead), mode 0440 stands in for it."""
    import os
    import struct

    folder.mkdir(mode=0o500, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o400)
    read, unset = 0o4, 0xFFFFFFFF
    user_obj, user, group_obj, mask, other = 0x01, 0x02, 0x04, 0x10, 0x20
    entries = [(user_obj, read, unset), (user, read, service_uid), (group_obj, 0, unset), (mask, read, unset)]
    acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in [*entries, (other, 0, unset)])
    try:
        os.setxattr(path, "system.posix_acl_access", acl)
    except OSError:
        path.chmod(0o440)
    return path
