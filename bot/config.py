"""Configuration from environment variables (and an optional `.env` file), validated at start.

Every problem is reported as one line naming the variable, so an operator can fix it without reading a
traceback. Secrets are kept as `SecretStr` so they never appear in a repr or a log line.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.handoff.hours import normalize_hours, parse_days

ENV_PREFIX = "BOT_"
PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONTENT_DIR = PACKAGE_DIR.parent / "content"
SECRET_KEY_FILE = "secret.key"
DATABASE_FILE = "bot.sqlite3"

# Telegram tokens look like "123456789:AAE...". Checking the shape catches a pasted chat id or a quoted value.
TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
# setWebhook's secret_token: 1-256 characters, only these (Bot API). At least 32 here: it is all that stands
# between anyone who finds the URL and a forged update.
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,256}$")
# Telegram's own servers deliver webhooks only to these ports (a self-hosted Bot API server takes any).
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)
DEFAULT_API_URL = "https://api.telegram.org"
# Paths the bot's own listener answers besides the webhook's.
MONITOR_PATHS = ("/healthz", "/metrics")


class ConfigError(Exception):
    """A configuration problem, worded for the operator: one line, naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    token: SecretStr | None = Field(default=None, description="Bot token from @BotFather; required by `run`.")
    api_url: str = Field(default=DEFAULT_API_URL, description="Bot API server base URL.")
    data_dir: Path = Field(default=Path("./data"), description="Folder for the database and every file.")
    secret_key: SecretStr | None = Field(default=None, description="Key material for encryption and hashing.")
    secret_key_file: Path | None = Field(
        default=None, description="A file holding the key (a systemd credential, a Docker secret), mode 0600 or 0400."
    )
    # Only for `python -m bot keys rotate`: the key the database belongs to before the rotation.
    secret_key_previous: SecretStr | None = Field(default=None, description="The key being rotated away from.")
    secret_key_previous_file: Path | None = Field(default=None, description="A file holding the previous key.")
    advocate_chat_id: int | None = Field(default=None, description="Forum supergroup of the advocates.")
    # Several desks (organisations), each with its group, regions, hours and named advocates: README, advocates.
    desks_file: Path | None = Field(default=None, description="YAML file of the advocates' desks.")
    admin_ids: str = Field(default="", description="Telegram user ids allowed to /reload content, comma-separated.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    content_dir: Path = Field(default=DEFAULT_CONTENT_DIR, description="Folder holding content/<lang>/.")
    # Telegram lets a bot delete messages only while they are younger than 48 hours: wipe well before that.
    auto_wipe_seconds: int = Field(default=3600, ge=1, le=47 * 3600, description="Default automatic wipe delay.")
    wipe_check_seconds: int = Field(
        default=30, ge=1, le=3600, description="How often due wipes and unclaimed cases are looked for."
    )
    journal_idle_seconds: int = Field(default=600, ge=30, le=86400, description="An unlocked journal locks again.")
    journal_export_delete_minutes: int = Field(
        default=30, ge=1, le=47 * 60, description="Minutes before an exported journal is deleted from the chat."
    )
    # Telegram's FAQ: about 30 messages a second per bot, 20 a minute per group; real limits vary (and can be
    # raised for a bot), so both are settings. Keep the defaults unless Telegram told you otherwise.
    messages_per_second: int = Field(default=30, ge=1, le=1000, description="Sends per second, all chats.")
    group_messages_per_minute: int = Field(default=20, ge=1, le=600, description="Sends per minute to a group.")
    advocate_language: Literal["ru", "kk", "en"] = Field(default="ru", description="Language of the advocates' group.")
    # The advocates' working time, in Kazakhstan time (UTC+5).
    work_hours: str = Field(default="09:00-18:00", description="When advocates answer, HH:MM-HH:MM.")
    work_days: str = Field(default="mon-fri", description="Days advocates answer: mon-fri or mon,wed,sat.")
    usual_reply_minutes: int = Field(default=30, ge=1, le=1440, description="Usual wait in working hours.")
    unclaimed_ping_minutes: int = Field(default=15, ge=1, le=1440, description="Ping a case unclaimed this long.")
    case_retention_days: int = Field(default=30, ge=1, le=3650, description="Keep closed cases' relay data.")
    audit_retention_days: int = Field(
        default=365, ge=1, le=3650, description="Keep the advocates' audit log (who claimed, closed, …) this long."
    )
    # Webhook mode (instead of long polling) when a URL is set. The bot itself listens on plain HTTP at
    # webhook_listen, behind a TLS reverse proxy that forwards the URL's path to it.
    webhook_url: str | None = Field(default=None, description="Public https URL Telegram posts updates to.")
    webhook_secret: SecretStr | None = Field(
        default=None, validate_default=True, description="Secret Telegram sends in every webhook request."
    )
    webhook_listen: str = Field(default="127.0.0.1:8443", description="host:port the webhook server listens on.")
    webhook_max_connections: int = Field(
        default=40, ge=1, le=100, description="Webhook connections Telegram may open at once."
    )
    metrics_listen: str | None = Field(default=None, description="host:port for /healthz and /metrics (polling).")
    log_format: Literal["text", "json"] = Field(default="text", description="Log lines as text or one JSON each.")

    @field_validator("work_hours")
    @classmethod
    def _hours_shape(cls, value: str) -> str:
        return normalize_hours(value)

    @field_validator("work_days")
    @classmethod
    def _days_shape(cls, value: str) -> str:
        try:
            parse_days(value)
        except ValueError as error:
            raise ValueError(str(error)) from None
        return value.strip().lower()

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value().strip()):
            raise ValueError("does not look like a bot token from @BotFather (digits, a colon, then letters)")
        return value

    @field_validator("api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org")
        if value.startswith("http://") and not _is_loopback(urlsplit(value).hostname or ""):
            # The token travels in every request's path: in clear text only to this machine itself.
            raise ValueError("plain http:// is allowed only to this machine (127.0.0.1, ::1, localhost); use https://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_log_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or re.search(r"\s", value):
            raise ValueError("must be a public https:// URL such as https://bot.example.org/telegram/hook")
        try:
            port = parts.port or 443
        except ValueError:
            raise ValueError("has an invalid port") from None
        if parts.username is not None or parts.fragment:
            raise ValueError("must not hold a user name, password or #fragment")
        if (parts.path or "/") in MONITOR_PATHS:
            raise ValueError(f"its path must not be {' or '.join(MONITOR_PATHS)} (the bot answers those itself)")
        if info.data.get("api_url") == DEFAULT_API_URL and port not in TELEGRAM_WEBHOOK_PORTS:
            ports = ", ".join(str(p) for p in TELEGRAM_WEBHOOK_PORTS)
            raise ValueError(f"Telegram delivers webhooks only to ports {ports}; the port here is {port}")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret_shape(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            if info.data.get("webhook_url"):
                raise ValueError(
                    f"is required with {ENV_PREFIX}WEBHOOK_URL (32 to 256 of A-Z a-z 0-9 _ -; "
                    "`openssl rand -hex 32` makes one)"
                )
            return None
        if not WEBHOOK_SECRET_PATTERN.match(value.get_secret_value()):
            raise ValueError("must be 32 to 256 characters of A-Z a-z 0-9 _ - (`openssl rand -hex 32` makes one)")
        return value

    @field_validator("webhook_listen", "metrics_listen")
    @classmethod
    def _listen_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parse_listen(value)  # raises ValueError with the reason
        return value.strip()

    @field_validator("secret_key", "secret_key_previous")
    @classmethod
    def _secret_key_strength(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters; generate one with `openssl rand -hex 32`")
        return value

    @field_validator("admin_ids")
    @classmethod
    def _admin_ids_shape(cls, value: str) -> str:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise ValueError("must be Telegram user ids separated by commas, such as 123456789,987654321")
        return ",".join(parts)

    @property
    def admins(self) -> frozenset[int]:
        return frozenset(int(part) for part in self.admin_ids.split(",") if part)

    @field_validator("advocate_chat_id")
    @classmethod
    def _advocate_chat_is_group(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError("must be the negative id of a supergroup, such as -1001234567890")
        return value

    @field_validator("desks_file")
    @classmethod
    def _one_way_to_name_desks(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is not None and info.data.get("advocate_chat_id") is not None:
            raise ValueError(
                f"set it or {ENV_PREFIX}ADVOCATE_CHAT_ID, not both (the desks file names every group itself)"
            )
        return value

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    @property
    def webhook_path(self) -> str:
        """The route of the webhook on the bot's own listener: the public URL's path."""
        return urlsplit(self.webhook_url or "").path or "/"


SECRET_VARIABLES = (
    f"{ENV_PREFIX}TOKEN",
    f"{ENV_PREFIX}SECRET_KEY",
    f"{ENV_PREFIX}SECRET_KEY_PREVIOUS",
    f"{ENV_PREFIX}WEBHOOK_SECRET",
)


def parse_listen(value: str) -> tuple[str, int]:
    """`host:port` (an IPv6 address in brackets, `[::1]:8443`) as (host, port); ValueError saying what is wrong."""
    match = re.fullmatch(r"\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\s*", value)
    if not match:
        raise ValueError("must be host:port, such as 127.0.0.1:8443 or [::1]:8443")
    host, port = match[1].strip("[]"), int(match[2])
    if not 1 <= port <= 65535:
        raise ValueError("the port must be between 1 and 65535")
    if match[1].startswith("["):
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{host} is not an IPv6 address") from None
    return host, port


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings() -> Settings:
    """Read and validate the configuration, turning pydantic's errors into one line per variable."""
    _refuse_readable_secrets(Path(".env"))
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None


def _refuse_readable_secrets(env_file: Path) -> None:
    """A .env holding the token or a key must be readable by its owner alone, as ssh insists for its keys:
    anyone else on the server could otherwise take the bot over or open the journals."""
    try:
        mode = env_file.stat().st_mode
        text = env_file.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    secrets_in_it = [name for name in SECRET_VARIABLES if re.search(rf"^\s*(export\s+)?{name}\s*=", text, re.M)]
    problem = _readable_by_others(env_file, mode)
    if secrets_in_it and problem:
        raise ConfigError(f"{env_file}: holds {' and '.join(secrets_in_it)} but {problem}")


def _readable_by_others(path: Path, mode: int) -> str | None:
    """What is wrong with a file of secrets that group or others can read, with the fix (as ssh says it)."""
    if not mode & 0o077:
        return None
    return f"can be read by others (mode {mode & 0o777:o}); run: chmod 600 {path}"


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "?"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{ENV_PREFIX}{field.upper()}: {message}")
    return "; ".join(lines)


def require_token(settings: Settings) -> str:
    if settings.token is None:
        raise ConfigError(f"{ENV_PREFIX}TOKEN: is required to run the bot; get one from @BotFather")
    return settings.token.get_secret_value().strip()


def ensure_data_dir(settings: Settings) -> Path:
    """Create the data folder (private to this user) or explain why it can't be used."""
    try:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"{ENV_PREFIX}DATA_DIR: cannot create {settings.data_dir} ({error.strerror or type(error).__name__})"
        ) from None
    if not os.access(settings.data_dir, os.W_OK | os.X_OK):
        raise ConfigError(f"{ENV_PREFIX}DATA_DIR: {settings.data_dir} is not writable")
    return settings.data_dir


def resolve_secret_key(settings: Settings) -> tuple[bytes, bool]:
    """Return the secret key bytes and whether a new key file was created just now.

    Without BOT_SECRET_KEY a random key is created once in the data folder (mode 0600) and reused after,
    so keyed hashes stay stable across restarts. Losing that file makes encrypted data unreadable, which is
    why the operator is told once, in the log, where it is.
    """
    if settings.secret_key is not None and settings.secret_key_file is not None:
        raise ConfigError(f"{ENV_PREFIX}SECRET_KEY_FILE: set it or {ENV_PREFIX}SECRET_KEY, not both")
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode("utf-8"), False
    if settings.secret_key_file is not None:
        return _read_key_file(settings.secret_key_file), False
    key_path = settings.data_dir / SECRET_KEY_FILE
    if key_path.exists():
        key = key_path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ConfigError(f"{ENV_PREFIX}SECRET_KEY: the key file {key_path} is damaged (too short)")
        return key.encode("ascii"), False
    key = secrets.token_hex(32)
    try:
        _write_durably(key_path, (key + "\n").encode("ascii"))
    except FileExistsError:  # another start wrote it a moment ago: that one is the key
        return resolve_secret_key(settings)
    return key.encode("ascii"), True


def resolve_previous_key(settings: Settings) -> bytes:
    """The key a rotation starts from: BOT_SECRET_KEY_PREVIOUS, BOT_SECRET_KEY_PREVIOUS_FILE, or the key file a
    first `run` created in the data folder (when the new key is given by BOT_SECRET_KEY or its file)."""
    name = f"{ENV_PREFIX}SECRET_KEY_PREVIOUS"
    if settings.secret_key_previous is not None and settings.secret_key_previous_file is not None:
        raise ConfigError(f"{name}_FILE: set it or {name}, not both")
    if settings.secret_key_previous is not None:
        return settings.secret_key_previous.get_secret_value().encode("utf-8")
    if settings.secret_key_previous_file is not None:
        return _read_key_file(settings.secret_key_previous_file, f"{name}_FILE")
    key_path = settings.data_dir / SECRET_KEY_FILE
    if not key_beside_data(settings) and key_path.exists():
        return key_path.read_text(encoding="ascii").strip().encode("ascii")
    raise ConfigError(f"{name}: is required to rotate (the key the database belongs to now)")


def require_configured_key(settings: Settings) -> bytes:
    """The configured key, never a new one: for commands that must not create a key (keys rotate)."""
    if key_beside_data(settings):
        raise ConfigError(f"{ENV_PREFIX}SECRET_KEY: give the new key (or {ENV_PREFIX}SECRET_KEY_FILE) to rotate to")
    key, _ = resolve_secret_key(settings)
    return key


def key_beside_data(settings: Settings) -> bool:
    """True when the only key is the one kept in the data folder: whoever copies the folder has both."""
    return settings.secret_key is None and settings.secret_key_file is None


def _read_key_file(path: Path, name: str = f"{ENV_PREFIX}SECRET_KEY_FILE") -> bytes:
    """BOT_SECRET_KEY_FILE: readable by the service's user alone, as ssh insists for its keys."""
    try:
        mode = path.stat().st_mode
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"{name}: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{name}: cannot read {path} ({type(error).__name__})") from None
    if (problem := _readable_by_others(path, mode)) and not _is_systemd_credential(path):
        raise ConfigError(f"{name}: {path} {problem}")
    if len(key) < 32:
        raise ConfigError(f"{name}: the key in {path} is shorter than 32 characters (openssl rand -hex 32 makes one)")
    return key.encode("utf-8")


def _is_systemd_credential(path: Path) -> bool:
    """A key systemd handed this service (LoadCredential=): it lies in the service's own credentials folder,
    which nothing else can enter. Its mode is systemd's, not the operator's: systemd 255 and later grant the
    service's user read access with an ACL, which shows as mode 0440 though no one else can read the file."""
    folder = os.environ.get("CREDENTIALS_DIRECTORY")
    if not folder:
        return False
    try:  # in that folder itself, not in one whose name merely begins the same way, nor reached by a link
        return path.resolve().is_relative_to(Path(folder).resolve())
    except OSError:
        return False


def _write_durably(path: Path, data: bytes) -> None:
    """A new private file that is either absent or whole, even after a power cut: written to a temporary
    file and flushed to disk, linked into place (never over an existing file), then the folder flushed."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.write(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(temporary, path)  # raises FileExistsError rather than replace a key
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: rename, after checking once more
            if path.exists():
                raise FileExistsError(path) from None
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
