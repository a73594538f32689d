"""deploy/: the systemd units pass `systemd-analyze verify`, and the unit, the compose file and the Dockerfile
keep the promises README's "Run it in production" makes — a user that is not root, a read-only system, the key
as a file of its own and never inline, ports on this machine only, a health check that answers for the bot.

What `systemd-analyze verify` checks here, honestly: every directive and value parses (a misspelt directive
fails this test, see the second test), the specifiers (%d) are known, the programs in Exec lines exist and the
timer has its service. It does not check that the user dvbot, /etc/dv-help-bot or the key exist (those are the
server's, made by README's steps), nor that the sandbox lets the bot run: tests/e2e/test_systemd_sandbox.py
runs the real bot under the unit's system-call filter and W^X rule."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from fnmatch import fnmatch
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from bot.config import ConfigError, Settings, resolve_secret_key
from bot.logging_setup import TOKEN_SHAPE
from tests.support.process import environment_without_bot_settings
from tests.support.units import (
    BACKUP_SERVICE,
    BACKUP_TIMER,
    DEPLOY,
    REPO,
    SERVICE,
    SHIPPED_PYTHON,
    SYSTEMD_ANALYZE,
    credential_like_systemd,
    directives,
    runnable_copies,
    value,
    values,
    verify,
)

COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
HEALTHCHECK = DEPLOY / "healthcheck.py"
KEY_ON_THE_HOST = "/etc/dv-help-bot/secret.key"  # README: the same place for systemd and compose, off the data disk
KEY_IN_THE_CONTAINER = "/run/secrets/bot_secret_key"

needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed here (Debian: apt-get install systemd)"
)

# What systemd-analyze verify reports about a unit it still accepts (exit code 0): a directive it ignores.
IGNORED = re.compile(r"Unknown (key|section)|Failed to parse|Invalid|ignoring|Unknown (lvalue|specifier)", re.I)


# --- systemd -----------------------------------------------------------------------------------------------------


@needs_systemd_analyze
def test_every_unit_passes_systemd_analyze_verify_with_nothing_ignored(tmp_path):
    result = verify(runnable_copies(tmp_path))
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert not IGNORED.search(report), report


@needs_systemd_analyze
def test_verify_as_used_here_catches_a_misspelt_directive_and_a_missing_program(tmp_path):
    service, *others = runnable_copies(tmp_path)
    service.write_text(service.read_text().replace("ProtectSystem=strict", "ProtectSystm=strict"))
    assert IGNORED.search(verify([service, *others]).stderr)
    service.write_text(SERVICE.read_text())  # the shipped file: its python exists only on the server
    missing = verify([service, *others])
    assert missing.returncode != 0 and SHIPPED_PYTHON in missing.stderr


def test_the_verified_copies_differ_from_the_shipped_units_only_in_the_python(tmp_path):
    for copy in runnable_copies(tmp_path):
        shipped = (DEPLOY / "systemd" / copy.name).read_text()
        assert copy.read_text() == shipped.replace(SHIPPED_PYTHON, sys.executable)


def test_the_service_runs_as_its_own_user_in_a_sandbox_with_the_key_as_a_credential():
    service = dict(directives(SERVICE)["Service"])  # keys set once; repeated ones are read with values()
    assert service["User"] == "dvbot" and service["DynamicUser"] == "no"
    assert service["ExecStart"] == f"{SHIPPED_PYTHON} -m bot run"
    data_dir = environment(SERVICE)["BOT_DATA_DIR"]
    assert data_dir == f"/var/lib/{service['StateDirectory']}" and service["StateDirectoryMode"] == "0700"
    assert data_dir in values(SERVICE, "Service", "ReadWritePaths")
    for name, wanted in {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "NoNewPrivileges": "yes",
        "CapabilityBoundingSet": "",
        "UMask": "0077",
        "LimitCORE": "0",
        "MemoryDenyWriteExecute": "yes",
        "Restart": "on-failure",
    }.items():
        assert service[name] == wanted, name
    assert set(service["RestrictAddressFamilies"].split()) == {"AF_UNIX", "AF_INET", "AF_INET6"}
    assert values(SERVICE, "Service", "SystemCallFilter")[0] == "@system-service"
    assert seconds(service["TimeoutStopSec"]) >= 30  # the bot finishes the updates in hand (e2e stop: up to 20 s)
    # The key: read by systemd from outside the data folder, handed over as a private file.
    assert service["LoadCredential"] == f"secret_key:{KEY_ON_THE_HOST}"
    assert environment(SERVICE)["BOT_SECRET_KEY_FILE"] == "%d/secret_key"
    assert not Path(KEY_ON_THE_HOST).is_relative_to(data_dir)
    assert service["EnvironmentFile"] == "/etc/dv-help-bot/bot.env"


def test_no_secret_is_written_in_any_unit():
    for unit in (SERVICE, BACKUP_SERVICE, BACKUP_TIMER):
        assert not {"BOT_TOKEN", "BOT_SECRET_KEY", "BOT_WEBHOOK_SECRET"} & set(environment(unit)), unit.name
        settings = "\n".join(f"{key}={val}" for pairs in directives(unit).values() for key, val in pairs)
        assert not TOKEN_SHAPE.search(settings) and not re.search(r"\b[0-9a-f]{32,}\b", settings), unit.name


def test_the_nightly_backup_runs_the_backup_command_as_the_bot_with_its_configuration():
    assert value(BACKUP_TIMER, "Timer", "OnCalendar") and value(BACKUP_TIMER, "Timer", "Persistent") == "yes"
    assert value(BACKUP_TIMER, "Timer", "Unit") in (None, BACKUP_SERVICE.name)  # None: the same name, .service
    assert BACKUP_TIMER.stem == BACKUP_SERVICE.stem
    assert value(BACKUP_SERVICE, "Service", "Type") == "oneshot"
    assert f"{SHIPPED_PYTHON} -m bot backup " in value(BACKUP_SERVICE, "Service", "ExecStart")
    for name in ("User", "UMask", "ProtectSystem", "NoNewPrivileges"):
        assert value(BACKUP_SERVICE, "Service", name) == value(SERVICE, "Service", name), name
    # A backup never reads the key or the token: the unit is given neither.
    assert value(BACKUP_SERVICE, "Service", "LoadCredential") is None
    assert value(BACKUP_SERVICE, "Service", "EnvironmentFile") is None
    bot_environment = environment(SERVICE)
    del bot_environment["BOT_SECRET_KEY_FILE"]
    assert environment(BACKUP_SERVICE) == bot_environment


def environment(unit: Path) -> dict[str, str]:
    pairs = [item for line in values(unit, "Service", "Environment") for item in shlex.split(line)]
    return dict(pair.split("=", 1) for pair in pairs)


def seconds(span: str) -> int:
    number, unit = re.fullmatch(r"(\d+)\s*(s|min|)", span).groups()  # type: ignore[union-attr]
    return int(number) * (60 if unit == "min" else 1)


def test_the_key_as_systemd_hands_it_over_is_accepted_though_its_acl_shows_mode_0440(tmp_path, monkeypatch):
    credentials = tmp_path / "credentials" / "dv-help-bot.service"
    credentials.parent.mkdir()
    key = credential_like_systemd(credentials, "secret_key", "k" * 64 + "\n")
    assert key.stat().st_mode & 0o777 == 0o440  # what the bot sees: root's file, group bits from the ACL's mask
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))  # set by systemd for this service alone
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", secret_key_file=key)
    assert resolve_secret_key(settings) == (b"k" * 64, False)


def test_a_key_readable_by_others_outside_the_services_credentials_folder_is_still_refused(tmp_path, monkeypatch):
    credentials = tmp_path / "credentials" / "dv-help-bot.service"
    credentials.mkdir(parents=True)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    beside = tmp_path / "credentials" / "dv-help-bot.service-other"  # a name that merely begins the same way
    beside.mkdir()
    linked = credentials / "linked_key"  # a link inside the folder to a key outside it
    outside = tmp_path / "open.key"
    for key in (beside / "secret_key", outside):
        key.write_text("k" * 64 + "\n", encoding="utf-8")
        key.chmod(0o640)
    linked.symlink_to(outside)
    for key in (beside / "secret_key", linked):
        with pytest.raises(ConfigError, match="can be read by others"):
            resolve_secret_key(Settings(_env_file=None, data_dir=tmp_path / "data", secret_key_file=key))


# --- docker compose ----------------------------------------------------------------------------------------------

# The service keys of the Compose Specification this file may use (a misspelt key would be silently dropped by
# nothing here, but refused by `docker compose config`; this list stands in for it where Docker is absent).
COMPOSE_SERVICE_KEYS = {
    "build", "image", "user", "read_only", "tmpfs", "cap_drop", "cap_add", "security_opt", "env_file",
    "environment", "secrets", "volumes", "ports", "healthcheck", "restart", "stop_grace_period", "stop_signal",
    "logging", "pids_limit", "mem_limit", "init", "command", "entrypoint", "networks", "container_name",
}  # fmt: skip


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bot(compose) -> dict:
    return compose["services"]["bot"]


def test_compose_runs_the_bot_read_only_as_a_user_without_privileges(bot):
    assert set(bot) <= COMPOSE_SERVICE_KEYS, set(bot) - COMPOSE_SERVICE_KEYS
    assert bot["read_only"] is True
    uid, _, gid = bot["user"].partition(":")
    assert uid.isdigit() and int(uid) != 0 and gid.isdigit() and int(gid) != 0
    assert uid == dockerfile_user()
    assert bot["cap_drop"] == ["ALL"] and "cap_add" not in bot
    assert "no-new-privileges:true" in bot["security_opt"]
    assert any(mount.split(":")[0] == "/tmp" for mount in bot["tmpfs"])
    assert bot["restart"] in ("unless-stopped", "always", "on-failure")
    assert bot["logging"]["options"]["max-size"] and bot["logging"]["options"]["max-file"]


def test_compose_keeps_the_data_on_a_volume_and_the_key_in_a_secret_file_never_inline(compose, bot):
    assert [volume.split(":")[1] for volume in bot["volumes"]] == ["/data"]
    assert bot["environment"]["BOT_DATA_DIR"] == "/data"
    assert bot["environment"]["BOT_SECRET_KEY_FILE"] == KEY_IN_THE_CONTAINER
    assert bot["secrets"] == ["bot_secret_key"]  # mounted at /run/secrets/bot_secret_key
    assert compose["secrets"]["bot_secret_key"] == {"file": KEY_ON_THE_HOST}
    assert not {"BOT_TOKEN", "BOT_SECRET_KEY", "BOT_WEBHOOK_SECRET"} & set(bot["environment"])
    assert bot["env_file"] == ["/etc/dv-help-bot/bot.env"]  # the token, outside the repository
    text = COMPOSE.read_text(encoding="utf-8")
    assert not TOKEN_SHAPE.search(text) and not re.search(r"\b[0-9a-f]{32,}\b", text)


def test_compose_publishes_ports_on_this_machine_only(bot):
    assert bot["ports"]
    for port in bot["ports"]:
        assert str(port).startswith("127.0.0.1:"), port  # the TLS reverse proxy in front is what is public


def test_compose_checks_health_the_way_the_image_does(bot):
    assert bot["healthcheck"]["test"] == ["CMD", *dockerfile_healthcheck()]
    assert {"interval", "timeout", "retries"} <= set(bot["healthcheck"])


# --- Dockerfile and .dockerignore --------------------------------------------------------------------------------


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continued lines joined, comments dropped."""
    joined, pending = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or (stripped.startswith("#") and not pending):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        joined.append(pending + stripped)
        pending = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(index for index, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last_from:]


def build_args() -> dict[str, str]:
    found = {}
    for name, arguments in instructions():
        if name == "ARG" and "=" in arguments:
            key, _, default = arguments.partition("=")
            found[key] = default
    return found


def dockerfile_user() -> str:
    users = [arguments for name, arguments in final_stage() if name == "USER"]
    assert users, "the image runs as root: no USER"
    return re.sub(r"\$\{?(\w+)\}?", lambda m: build_args()[m[1]], users[-1]).partition(":")[0]


def dockerfile_healthcheck() -> list[str]:
    checks = [arguments for name, arguments in final_stage() if name == "HEALTHCHECK"]
    assert checks, "no HEALTHCHECK"
    command = checks[-1].split("CMD", 1)[1].strip()
    return yaml.safe_load(command)  # the exec form is a JSON list


def test_the_image_is_a_pinned_slim_python_and_runs_the_bot_as_a_user_that_is_not_root():
    base = build_args()["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base), base
    assert all(arguments.split()[0] == "${PYTHON_IMAGE}" for name, arguments in instructions() if name == "FROM")
    assert dockerfile_user().isdigit() and dockerfile_user() != "0"
    stage = dict(final_stage())
    assert yaml.safe_load(stage["ENTRYPOINT"]) == ["python", "-m", "bot", "run"]
    assert stage["VOLUME"] == '["/data"]'
    env = " ".join(arguments for name, arguments in final_stage() if name == "ENV")
    for setting in ("PYTHONDONTWRITEBYTECODE=1", "BOT_DATA_DIR=/data", f"BOT_SECRET_KEY_FILE={KEY_IN_THE_CONTAINER}"):
        assert setting in env


def test_the_image_health_check_asks_the_bot_for_healthz_with_python_alone():
    assert dockerfile_healthcheck() == ["python", "-I", "/app/healthcheck.py"]
    assert "/healthz" in HEALTHCHECK.read_text(encoding="utf-8")


def test_the_image_holds_no_secret_no_data_and_no_test_tools():
    for name, arguments in instructions():
        if name in ("ENV", "ARG", "LABEL"):
            assert not re.search(r"BOT_(TOKEN|SECRET_KEY|WEBHOOK_SECRET)=", arguments), arguments
        if name == "COPY" and "--from=" not in arguments:
            sources = arguments.split()[:-1]
            assert "." not in sources and "./" not in sources, "the whole build context is copied"
            for source in sources:
                assert not re.search(r"(^|/)(\.env|data|secret\.key|\.venv|tests)(/|$)", source), source
        if name == "RUN":
            assert "[test]" not in arguments and "apt-get install" not in arguments, arguments


DOCKERIGNORE_KEEPS_OUT = [
    ".env", "bot.env", "data/bot.sqlite3", "data/journal/x.bin", "secret.key", ".venv/bin/python", ".git/config",
    ".pytest_cache/v/cache", ".ruff_cache/x", ".mypy_cache/x", ".hypothesis/examples/x", "tests/unit/test_x.py",
    "bot/__pycache__/cli.cpython-311.pyc", "benchmarks/results.json", "build/lib/bot/cli.py",
]  # fmt: skip


def docker_ignores(path: str) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parent folders decides."""
    ignored = False
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        keep = pattern.startswith("!")
        pattern = pattern.removeprefix("!").rstrip("/")
        parts = path.split("/")
        candidates = ["/".join(parts[: index + 1]) for index in range(len(parts))]
        if any(matches(candidate, pattern) for candidate in candidates):
            ignored = not keep
    return ignored


def matches(path: str, pattern: str) -> bool:
    if pattern.startswith("**/"):
        tail = pattern[3:]
        return any(matches("/".join(path.split("/")[i:]), tail) for i in range(len(path.split("/"))))
    return path.count("/") == pattern.count("/") and fnmatch(path, pattern)


@pytest.mark.parametrize("path", DOCKERIGNORE_KEEPS_OUT)
def test_the_build_context_leaves_out_data_secrets_and_caches(path):
    assert docker_ignores(path)


def test_the_build_context_holds_everything_the_dockerfile_copies():
    for name, arguments in instructions():
        if name == "COPY" and "--from=" not in arguments:
            for source in arguments.split()[:-1]:
                assert (REPO / source).exists(), source
                assert not docker_ignores(source.rstrip("/")), source
    for needed in ("bot/__init__.py", "bot/journal/fonts/DejaVuSans.ttf", "content/phones.yaml", "LICENSE"):
        assert not docker_ignores(needed), needed


# --- the health check script ---------------------------------------------------------------------------------------


class FakeHealth(BaseHTTPRequestHandler):
    status: ClassVar[int] = 200
    body: ClassVar[bytes] = b"ok"
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        FakeHealth.asked.append(self.path)
        self.send_response(FakeHealth.status)
        self.end_headers()
        self.wfile.write(FakeHealth.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[int]:
    FakeHealth.status, FakeHealth.body, FakeHealth.asked = 200, b"ok", []
    server = HTTPServer(("127.0.0.1", 0), FakeHealth)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def run_healthcheck(**env: str) -> subprocess.CompletedProcess[str]:
    environ = environment_without_bot_settings() | env
    return subprocess.run(
        [sys.executable, "-I", str(HEALTHCHECK)], env=environ, capture_output=True, text=True, timeout=30
    )


def test_healthcheck_in_polling_mode_asks_the_metrics_server(health_server):
    result = run_healthcheck(BOT_METRICS_LISTEN=f"127.0.0.1:{health_server}")
    assert result.returncode == 0 and FakeHealth.asked == ["/healthz"]


def test_healthcheck_in_webhook_mode_asks_the_webhook_server_listening_on_every_address(health_server):
    result = run_healthcheck(
        BOT_WEBHOOK_URL="https://bot.example.org/tg/x",
        BOT_WEBHOOK_LISTEN=f"0.0.0.0:{health_server}",
        BOT_METRICS_LISTEN="127.0.0.1:9",  # polling's server: not the one asked in webhook mode
        http_proxy="http://127.0.0.1:9",  # a proxy in the environment is not used for the container's own server
    )
    assert result.returncode == 0 and FakeHealth.asked == ["/healthz"]


def test_healthcheck_fails_with_the_bots_reason_when_it_is_unhealthy(health_server):
    FakeHealth.status, FakeHealth.body = 503, b"no update received or polled for 300 s"
    result = run_healthcheck(BOT_METRICS_LISTEN=f"127.0.0.1:{health_server}")
    assert result.returncode == 1 and "503 no update received or polled for 300 s" in result.stdout


def test_healthcheck_fails_and_says_why_when_nothing_answers_or_nothing_is_configured(health_server):
    nothing = run_healthcheck()
    assert nothing.returncode == 1 and "set BOT_METRICS_LISTEN" in nothing.stdout
    closed = run_healthcheck(BOT_WEBHOOK_URL="https://bot.example.org/tg/x", BOT_WEBHOOK_LISTEN="127.0.0.1:9")
    assert closed.returncode == 1 and "no answer from http://127.0.0.1:9/healthz" in closed.stdout


# --- README ----------------------------------------------------------------------------------------------------------


def test_readme_production_section_names_the_same_files_and_paths_as_deploy():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run it in production", 1)[1].split("\n## ", 1)[0]
    for cited in re.findall(r"deploy/[\w./*-]+", section):  # a file, or a shell pattern that must match one
        assert list(REPO.glob(cited.rstrip("."))), cited
    for path in (KEY_ON_THE_HOST, "/etc/dv-help-bot/bot.env", "/var/lib/dv-help-bot", "/var/backups/dv-help-bot"):
        assert path in section, path
    assert "openssl rand -hex 32" in section and "0400" in section
    assert "What this does not protect against" in section
