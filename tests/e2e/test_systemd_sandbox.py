"""The systemd unit's sandbox, end to end: the real `python -m bot run`, with the seccomp filters that
deploy/systemd/dv-help-bot.service asks for (SystemCallFilter=, SystemCallErrorNumber=, MemoryDenyWriteExecute=,
expanded by this machine's systemd-analyze and applied as systemd 252 applies them, by
tests/support/sandbox_site/sitecustomize.py), answers a survivor and stops cleanly; and what the bot relies on
beyond that first answer — Argon2id through cffi, AES-GCM, the journal's PDF with its fonts and a photo, SQLite
in WAL mode, a TLS handshake — works under the same filters.

An emulation, not systemd itself (no systemd runs here): the other directives (ProtectSystem=, PrivateDevices=,
the credential's folder…) are not applied, and the process is root here, not dvbot."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.process import START_TIMEOUT, environment_without_bot_settings, stop
from tests.support.units import (
    SANDBOX_SITE,
    SERVICE,
    SYSTEMD_ANALYZE,
    credential_like_systemd,
    libseccomp_available,
    sandbox,
)

pytestmark = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None or not libseccomp_available() or platform.machine() != "x86_64",
    reason="needs systemd-analyze (to expand the unit's filter), libseccomp and x86_64 (the W^X filter's numbers)",
)


def sandboxed_env(tmp_path: Path) -> dict[str, str]:
    rules = tmp_path / "sandbox.json"
    rules.write_text(json.dumps(sandbox(SERVICE)), encoding="utf-8")
    python_path = os.pathsep.join(filter(None, [str(SANDBOX_SITE), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": python_path, "DV_TEST_SANDBOX": str(rules)}


def seccomp_filters(pid: int) -> int:
    """How many seccomp filters the kernel applies to the process (0 when it runs unconfined)."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    found = re.search(r"^Seccomp_filters:\s+(\d+)", status, re.M)
    return int(found[1]) if found else 0


async def test_the_bot_answers_and_stops_cleanly_inside_the_units_system_call_filter(sim, start_bot, tmp_path):
    # The key as systemd hands it over (LoadCredential=, BOT_SECRET_KEY_FILE=%d/secret_key).
    credentials = tmp_path / "credentials"
    key = credential_like_systemd(credentials, "secret_key", "a" * 64 + "\n")
    she = sim.add_user(first_name="Aigerim", language_code="ru")
    process = await start_bot(
        BOT_SECRET_KEY_FILE=str(key), CREDENTIALS_DIRECTORY=str(credentials), **sandboxed_env(tmp_path)
    )
    await she.send_text("/start")
    welcome = await she.wait_reply(timeout=START_TIMEOUT)
    assert "Здравствуйте" in welcome.text
    assert seccomp_filters(process.pid) >= 2  # the allow list and the W^X rule were in place
    await she.send_text("/sos")
    assert "112" in (await she.wait_reply()).text
    assert await stop(process) == 0


WHAT_THE_BOT_RELIES_ON = r"""
import os, socket, sqlite3, ssl, sys, tempfile, threading, datetime as dt
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from fpdf import FPDF

from bot.crypto import Sealer
from bot.simulator import make_png

folder = Path(tempfile.mkdtemp())
key = hash_secret_raw(b"246813", os.urandom(16), time_cost=2, memory_cost=65536, parallelism=2, hash_len=32,
                      type=Type.ID)
aead = AESGCM(key)
nonce = os.urandom(12)
assert aead.decrypt(nonce, aead.encrypt(nonce, b"entry", None), None) == b"entry"
sealer = Sealer(b"k" * 32, b"purpose")
assert sealer.open(sealer.seal(b"chat", b"ad"), b"ad") == b"chat"

fonts = Path(sys.modules["bot"].__file__).parent / "journal" / "fonts"
pdf = FPDF()
pdf.add_font("DejaVu", fname=str(fonts / "DejaVuSans.ttf"))
pdf.add_page()
pdf.set_font("DejaVu", size=12)
pdf.cell(text="Оқиғалар күнделігі ә ғ қ ң ө ұ ү һ і")
(folder / "photo.png").write_bytes(make_png(40, 30))
pdf.image(str(folder / "photo.png"), w=20)
assert bytes(pdf.output()).startswith(b"%PDF")

database = sqlite3.connect(folder / "bot.sqlite3")
assert database.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
database.execute("CREATE TABLE t (x)")
database.execute("INSERT INTO t VALUES (1)")
database.commit()
assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

private = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
now, day = dt.datetime.now(dt.timezone.utc), dt.timedelta(days=1)
certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
               .serial_number(1).not_valid_before(now - day).not_valid_after(now + day)
               .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
               .sign(private, hashes.SHA256()))
(folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
(folder / "key.pem").write_bytes(private.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
listener = socket.create_server(("127.0.0.1", 0))

def serve():
    connection, _ = listener.accept()
    with server_context.wrap_socket(connection, server_side=True) as tls:
        tls.sendall(tls.recv(5))

threading.Thread(target=serve, daemon=True).start()
client_context = ssl.create_default_context(cafile=folder / "cert.pem")
with socket.create_connection(listener.getsockname()) as raw:
    with client_context.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"hello")
        assert tls.recv(5) == b"hello"
print("all worked")
"""


def test_argon2_aes_gcm_the_pdf_sqlite_and_tls_work_inside_the_same_filter(tmp_path):
    env = environment_without_bot_settings() | sandboxed_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", WHAT_THE_BOT_RELIES_ON], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and "all worked" in result.stdout, result.stderr[-3000:]


def test_the_filter_is_not_a_formality_it_refuses_what_the_unit_forbids(tmp_path):
    env = environment_without_bot_settings() | sandboxed_env(tmp_path)
    probe = (
        "import mmap, os\n"
        "for attempt in (lambda: mmap.mmap(-1, 4096, prot=7), lambda: os.chown('.', 0, 0)):\n"
        "    try:\n"
        "        attempt(); print('allowed')\n"
        "    except PermissionError:\n"
        "        print('refused')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    # Memory both writable and executable (MemoryDenyWriteExecute=), chown (@privileged, taken away).
    assert result.stdout.split() == ["refused", "refused"], result.stderr
