"""Put on PYTHONPATH of a `python -m bot run` by tests/e2e/test_systemd_sandbox.py: before the bot's own code
runs, this process gets the seccomp filters a systemd unit would give it, read from the JSON file named by
DV_TEST_SANDBOX (written by tests/support/units.py from the shipped unit):

- SystemCallFilter= with SystemCallErrorNumber=EPERM: an allow list built with libseccomp, as systemd builds it;
  any other system call fails with EPERM; other architectures' calls too (SystemCallArchitectures=native).
- MemoryDenyWriteExecute=yes as systemd 252 implements it (seccomp): mmap with PROT_WRITE and PROT_EXEC,
  mprotect/pkey_mprotect with PROT_EXEC and shmat with SHM_EXEC fail with EPERM.

Only standard library and libseccomp (which systemd itself uses). Without DV_TEST_SANDBOX it does nothing.
"""

import ctypes
import ctypes.util
import json
import os
import struct

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO = 0x00050000
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
AUDIT_ARCH_X86_64 = 0xC000003E
NR_MMAP, NR_MPROTECT, NR_SHMAT, NR_PKEY_MPROTECT = 9, 10, 30, 329  # x86_64
PROT_WRITE, PROT_EXEC, SHM_EXEC = 0x2, 0x4, 0o100000


def _allow_list(names: list[str], errno: int) -> None:
    libseccomp = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
    libseccomp.seccomp_init.restype = ctypes.c_void_p
    libseccomp.seccomp_init.argtypes = [ctypes.c_uint32]
    libseccomp.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    libseccomp.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    libseccomp.seccomp_load.argtypes = [ctypes.c_void_p]
    context = libseccomp.seccomp_init(SCMP_ACT_ERRNO | errno)
    if not context:
        raise OSError("seccomp_init failed")
    for name in names:
        number = libseccomp.seccomp_syscall_resolve_name(name.encode())
        if number < 0:
            continue  # a call this architecture does not have (or only as a multiplexed pseudo-call)
        # Fails only for calls libseccomp cannot filter here; systemd skips those the same way.
        libseccomp.seccomp_rule_add(context, SCMP_ACT_ALLOW, number, 0)
    if libseccomp.seccomp_load(context) != 0:
        raise OSError("seccomp_load failed")


def _deny_write_execute(errno: int) -> None:
    load, jeq, jset, and_, ret = 0x20, 0x15, 0x45, 0x54, 0x06
    deny, allow = SCMP_ACT_ERRNO | errno, SCMP_ACT_ALLOW

    def op(code: int, true: int, false: int, k: int) -> bytes:
        return struct.pack("HBBI", code, true, false, k)

    program = [
        op(load, 0, 0, 4),  # 0: architecture
        op(jeq, 0, 15, AUDIT_ARCH_X86_64),  # 1: another one -> allow (17)
        op(load, 0, 0, 0),  # 2: system call number
        op(jeq, 4, 0, NR_MMAP),  # 3 -> 8
        op(jeq, 6, 0, NR_MPROTECT),  # 4 -> 11
        op(jeq, 5, 0, NR_PKEY_MPROTECT),  # 5 -> 11
        op(jeq, 6, 0, NR_SHMAT),  # 6 -> 13
        op(ret, 0, 0, allow),  # 7
        op(load, 0, 0, 32),  # 8: mmap's prot (third argument, low 32 bits)
        op(and_, 0, 0, PROT_WRITE | PROT_EXEC),  # 9
        op(jeq, 5, 6, PROT_WRITE | PROT_EXEC),  # 10: both -> deny (16) else allow (17)
        op(load, 0, 0, 32),  # 11: mprotect's prot
        op(jset, 3, 4, PROT_EXEC),  # 12: exec -> deny (16) else allow (17)
        op(load, 0, 0, 32),  # 13: shmat's flags
        op(jset, 1, 2, SHM_EXEC),  # 14: -> deny (16) else allow (17)
        op(ret, 0, 0, allow),  # 15
        op(ret, 0, 0, deny),  # 16
        op(ret, 0, 0, allow),  # 17
    ]
    code = ctypes.create_string_buffer(b"".join(program))

    class Program(ctypes.Structure):
        _fields_ = [("length", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    prog = Program(len(program), ctypes.addressof(code))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")


def _install() -> None:
    path = os.environ.get("DV_TEST_SANDBOX")
    if not path:
        return
    with open(path, encoding="utf-8") as file:
        sandbox = json.load(file)
    if sandbox["memory_deny_write_execute"]:
        _deny_write_execute(sandbox["errno"])
    _allow_list(sandbox["allowed_system_calls"], sandbox["errno"])


_install()
