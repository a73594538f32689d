"""Configuration: defaults, one clear line per bad variable, the secret key file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import ConfigError, Settings, key_beside_data, load_settings, require_token, resolve_secret_key
from tests.support.process import environment_without_bot_settings

GOOD_TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("BOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's folder


def test_defaults():
    settings = load_settings()
    assert settings.api_url == "https://api.telegram.org"
    assert settings.data_dir == Path("./data")
    assert settings.log_level == "INFO"
    assert settings.token is None and settings.advocate_chat_id is None


def test_values_are_read_and_normalised(monkeypatch):
    monkeypatch.setenv("BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("BOT_LOG_LEVEL", "debug")
    monkeypatch.setenv("BOT_ADVOCATE_CHAT_ID", "-1001234567890")
    settings = load_settings()
    assert require_token(settings) == GOOD_TOKEN
    assert settings.api_url == "http://127.0.0.1:8081"
    assert settings.log_level == "DEBUG"
    assert settings.advocate_chat_id == -1001234567890
    assert GOOD_TOKEN not in repr(settings)  # secrets never show in a repr or a log


def test_dot_env_file_is_read(tmp_path):
    (tmp_path / ".env").write_text(f"BOT_TOKEN={GOOD_TOKEN}\nBOT_LOG_LEVEL=WARNING\n", encoding="utf-8")
    (tmp_path / ".env").chmod(0o600)
    settings = load_settings()
    assert require_token(settings) == GOOD_TOKEN and settings.log_level == "WARNING"


def test_a_dot_env_with_the_token_readable_by_others_is_refused_with_one_line(tmp_path):
    env = tmp_path / ".env"
    env.write_text(f"BOT_TOKEN={GOOD_TOKEN}\nBOT_LOG_LEVEL=WARNING\n", encoding="utf-8")
    env.chmod(0o644)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value) == ".env: holds BOT_TOKEN but can be read by others (mode 644); run: chmod 600 .env"
    assert GOOD_TOKEN not in str(refused.value)
    env.write_text("BOT_LOG_LEVEL=WARNING\n", encoding="utf-8")  # nothing secret in it: its mode is not our business
    assert load_settings().log_level == "WARNING"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("BOT_TOKEN", "not-a-token", "BOT_TOKEN: does not look like a bot token"),
        ("BOT_API_URL", "api.telegram.org", "BOT_API_URL: must be an http(s) URL"),
        ("BOT_LOG_LEVEL", "LOUD", "BOT_LOG_LEVEL: Input should be"),
        ("BOT_ADVOCATE_CHAT_ID", "12345", "BOT_ADVOCATE_CHAT_ID: must be the negative id of a supergroup"),
        ("BOT_ADVOCATE_CHAT_ID", "advocates", "BOT_ADVOCATE_CHAT_ID: Input should be a valid integer"),
        ("BOT_SECRET_KEY", "short", "BOT_SECRET_KEY: must be at least 32 characters"),
    ],
)
def test_a_bad_value_is_named_in_one_line(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_token_is_required_to_run():
    with pytest.raises(ConfigError, match=r"^BOT_TOKEN: is required"):
        require_token(load_settings())


def test_secret_key_file_is_created_once_private_and_reused(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path)
    key, created = resolve_secret_key(settings)
    assert created and len(key) == 64
    mode = stat.S_IMODE((tmp_path / "secret.key").stat().st_mode)
    assert mode == 0o600
    again, created_again = resolve_secret_key(settings)
    assert again == key and not created_again


def test_explicit_secret_key_wins(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, secret_key="k" * 40)
    assert resolve_secret_key(settings) == (b"k" * 40, False)
    assert not (tmp_path / "secret.key").exists()


def test_run_with_a_bad_variable_prints_one_line_and_exits_2(tmp_path):
    env = environment_without_bot_settings()
    env.update(BOT_TOKEN=GOOD_TOKEN, BOT_ADVOCATE_CHAT_ID="twelve", BOT_DATA_DIR=str(tmp_path / "d"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: BOT_ADVOCATE_CHAT_ID:")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()  # nothing was created before the configuration was known good


def test_run_without_a_token_exits_2(tmp_path):
    env = environment_without_bot_settings()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "configuration error: BOT_TOKEN: is required to run the bot; get one from @BotFather"
    )


def test_admin_ids_must_be_numbers():
    with pytest.raises(ValueError, match=r"must be Telegram user ids"):
        Settings(_env_file=None, admin_ids="alice,bob")


def test_a_new_key_file_reaches_the_disk_whole_before_it_is_used(tmp_path, monkeypatch):
    # A power cut right after creation must not leave an empty key file (security review, item 3): the key
    # is flushed in a temporary file, linked into place, and the folder flushed, in that order.
    events: list[str] = []
    real_fsync, real_link = os.fsync, os.link

    def fsync(descriptor: int) -> None:
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "fsync file")
        real_fsync(descriptor)

    def link(source, target) -> None:
        events.append("link")
        real_link(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "link", link)
    key, created = resolve_secret_key(Settings(_env_file=None, data_dir=tmp_path))
    assert created and events == ["fsync file", "link", "fsync folder"]
    assert (tmp_path / "secret.key").read_bytes() == key + b"\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["secret.key"]  # no temporary file left


def test_a_key_file_written_meanwhile_by_another_start_is_used_not_replaced(tmp_path, monkeypatch):
    real_link = os.link

    def link_after_another_start(source, target) -> None:
        Path(target).write_text("a" * 64 + "\n", encoding="ascii")  # the other start won the race
        real_link(source, target)

    monkeypatch.setattr(os, "link", link_after_another_start)
    key, created = resolve_secret_key(Settings(_env_file=None, data_dir=tmp_path))
    assert (key, created) == (b"a" * 64, False)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8081", True),
        ("http://localhost:8081", True),
        ("http://[::1]:8081", True),
        ("https://api.telegram.org", True),
        ("http://api.telegram.org", False),
        ("http://192.168.1.10:8081", False),
        ("http://127.0.0.1.example.org", False),
    ],
)
def test_plain_http_to_the_bot_api_is_refused_unless_it_stays_on_this_machine(url, allowed):
    # Every request carries the token in its path: in clear text only over loopback (issue 13, item 6).
    if allowed:
        assert Settings(_env_file=None, api_url=url).api_url == url
    else:
        with pytest.raises(ValidationError, match="plain http:// is allowed only to this machine"):
            Settings(_env_file=None, api_url=url)


def test_an_unexpected_error_prints_its_type_and_a_redacted_message_never_the_token(monkeypatch, capsys):
    from bot import cli

    def explode(_args) -> int:
        raise RuntimeError(f"Cannot connect to host https://api.telegram.org/bot{GOOD_TOKEN}/getMe")

    monkeypatch.setattr(cli, "_demo", explode)
    assert cli.main(["demo"]) == 1
    printed = capsys.readouterr().err
    assert printed.startswith("unexpected error: RuntimeError: Cannot connect to host")
    assert GOOD_TOKEN not in printed and "/bot<redacted>/getMe" in printed


def test_the_key_can_come_from_a_private_file_and_a_file_others_can_read_is_refused(tmp_path):
    key_file = tmp_path / "bot.key"
    key_file.write_text("k" * 64 + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", secret_key_file=key_file)
    assert resolve_secret_key(settings) == (b"k" * 64, False)
    assert not key_beside_data(settings)
    key_file.chmod(0o400)  # a systemd credential
    assert resolve_secret_key(settings) == (b"k" * 64, False)
    key_file.chmod(0o640)
    with pytest.raises(ConfigError) as refused:
        resolve_secret_key(settings)
    assert (
        str(refused.value)
        == f"BOT_SECRET_KEY_FILE: {key_file} can be read by others (mode 640); run: chmod 600 {key_file}"
    )
    assert "k" * 64 not in str(refused.value)
    with pytest.raises(ConfigError, match="not both"):
        resolve_secret_key(Settings(_env_file=None, data_dir=tmp_path, secret_key="s" * 40, secret_key_file=key_file))
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_secret_key(Settings(_env_file=None, data_dir=tmp_path, secret_key_file=tmp_path / "missing.key"))


def test_only_the_key_created_in_the_data_folder_counts_as_beside_the_data(tmp_path):
    assert key_beside_data(Settings(_env_file=None, data_dir=tmp_path))
    assert not key_beside_data(Settings(_env_file=None, data_dir=tmp_path, secret_key="s" * 40))


# ------------------------------------------------------------------------------------ webhook mode

WEBHOOK_SECRET = "Zq8_vN2-kP5wR7tY1uI3oL6aS9dF4gH0jK2xC5bM"


def test_webhook_settings_are_read_and_the_url_path_is_the_route(monkeypatch):
    monkeypatch.setenv("BOT_WEBHOOK_URL", "https://bot.example.org:8443/telegram/hook")
    monkeypatch.setenv("BOT_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("BOT_WEBHOOK_MAX_CONNECTIONS", "10")
    monkeypatch.setenv("BOT_METRICS_LISTEN", "[::1]:9100")
    monkeypatch.setenv("BOT_LOG_FORMAT", "JSON")
    settings = load_settings()
    assert settings.webhook_path == "/telegram/hook" and settings.webhook_max_connections == 10
    assert settings.webhook_listen == "127.0.0.1:8443"  # loopback by default: a TLS proxy stands in front
    assert (settings.metrics_listen, settings.log_format) == ("[::1]:9100", "json")
    assert WEBHOOK_SECRET not in repr(settings)


def test_without_a_webhook_url_the_bot_polls_and_serves_no_metrics():
    settings = load_settings()
    assert settings.webhook_url is None and settings.metrics_listen is None and settings.log_format == "text"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"BOT_WEBHOOK_URL": "https://bot.example.org/hook"}, "BOT_WEBHOOK_SECRET: is required with BOT_WEBHOOK_URL"),
        ({"BOT_WEBHOOK_URL": "http://bot.example.org/hook"}, "BOT_WEBHOOK_URL: must be a public https:// URL"),
        ({"BOT_WEBHOOK_URL": "bot.example.org/hook"}, "BOT_WEBHOOK_URL: must be a public https:// URL"),
        ({"BOT_WEBHOOK_URL": "https://bot.example.org:9000/hook"}, "BOT_WEBHOOK_URL: Telegram delivers webhooks only"),
        ({"BOT_WEBHOOK_URL": "https://bot.example.org/healthz"}, "BOT_WEBHOOK_URL: its path must not be /healthz"),
        ({"BOT_WEBHOOK_URL": "https://me:pw@bot.example.org/hook"}, "BOT_WEBHOOK_URL: must not hold a user name"),
        ({"BOT_WEBHOOK_SECRET": "too-short-0123456789"}, "BOT_WEBHOOK_SECRET: must be 32 to 256 characters"),
        ({"BOT_WEBHOOK_SECRET": "x" * 31 + "!"}, "BOT_WEBHOOK_SECRET: must be 32 to 256 characters of A-Z"),
        ({"BOT_WEBHOOK_SECRET": "x" * 257}, "BOT_WEBHOOK_SECRET: must be 32 to 256 characters"),
        ({"BOT_WEBHOOK_LISTEN": "8443"}, "BOT_WEBHOOK_LISTEN: must be host:port"),
        ({"BOT_WEBHOOK_LISTEN": "127.0.0.1:70000"}, "BOT_WEBHOOK_LISTEN: the port must be between 1 and 65535"),
        ({"BOT_WEBHOOK_LISTEN": "[127.0.0.1]:8443"}, "BOT_WEBHOOK_LISTEN: 127.0.0.1 is not an IPv6 address"),
        ({"BOT_METRICS_LISTEN": "localhost"}, "BOT_METRICS_LISTEN: must be host:port"),
        (
            {"BOT_WEBHOOK_MAX_CONNECTIONS": "0"},
            "BOT_WEBHOOK_MAX_CONNECTIONS: Input should be greater than or equal to 1",
        ),
        ({"BOT_WEBHOOK_MAX_CONNECTIONS": "101"}, "BOT_WEBHOOK_MAX_CONNECTIONS: Input should be less than or equal"),
        ({"BOT_LOG_FORMAT": "xml"}, "BOT_LOG_FORMAT: Input should be 'text' or 'json'"),
    ],
)
def test_a_bad_webhook_or_monitoring_setting_is_named_in_one_line(monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(expected) and "\n" not in message
    assert WEBHOOK_SECRET not in message and "x" * 31 not in message  # a secret is never echoed


def test_a_self_hosted_bot_api_server_may_post_to_any_port():
    settings = Settings(
        _env_file=None,
        api_url="http://127.0.0.1:8081",
        webhook_url="https://bot.example.org:9443/hook",
        webhook_secret=WEBHOOK_SECRET,
    )
    assert settings.webhook_path == "/hook"


def test_a_dot_env_with_the_webhook_secret_readable_by_others_is_refused(tmp_path):
    env = tmp_path / ".env"
    env.write_text(f"BOT_WEBHOOK_SECRET={WEBHOOK_SECRET}\n", encoding="utf-8")
    env.chmod(0o640)
    with pytest.raises(ConfigError, match=r"^\.env: holds BOT_WEBHOOK_SECRET but can be read by others"):
        load_settings()
