"""Logging without personal data.

Log lines carry pseudonyms, ids of updates and error types — never message text, names, usernames or raw
Telegram ids. Libraries are capped even when BOT_LOG_LEVEL=DEBUG: at DEBUG python-telegram-bot logs every
API call with its parameters (chat ids, message texts) and aiosqlite every query with its values; httpx logs
request URLs, which contain the bot token; Pillow logs every EXIF tag of a photo (its GPS position). The
token is also masked in anything formatted anyway (tracebacks included).

BOT_LOG_FORMAT=json writes one JSON object per line (time, level, logger, message; exception when there is
one) for log collectors, redacted the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys

# logger name -> the most verbose level it may use
LIBRARY_CEILINGS = {
    "telegram": logging.INFO,
    "aiosqlite": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "aiohttp.access": logging.WARNING,
    "PIL": logging.INFO,  # at DEBUG Pillow logs every EXIF tag it reads, a photo's GPS position included
    # fpdf2 warns of glyphs the font lacks by listing them: characters of her journal or of the name she typed
    # for a statement draft (a name in a script DejaVu does not cover would be logged letter by letter).
    "fpdf": logging.ERROR,
}


TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")  # a bot token, whoever's it is


def redact(text: str, secrets: list[str] | None = None) -> str:
    """Text safe to print or log: the given secrets, and anything shaped like a bot token, masked."""
    for secret in secrets or []:
        if secret:
            text = text.replace(secret, "<redacted>")
    return TOKEN_SHAPE.sub("<redacted>", text)


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Each value is redacted before encoding, so a secret is masked whatever
    characters JSON would escape in it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage(), self._secrets),
        }
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info), self._secrets)
        return json.dumps(line, ensure_ascii=False)


_installed: logging.Handler | None = None


def configure_logging(level: str, secrets: list[str] | None = None, log_format: str = "text") -> None:
    global _installed
    handler = logging.StreamHandler(sys.stderr)
    formatter = JsonFormatter if log_format == "json" else RedactingFormatter
    handler.setFormatter(formatter(secrets or []))
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)  # configured twice (tests): replace ours, leave others alone
    root.addHandler(handler)
    _installed = handler
    root.setLevel(level)
    chosen = logging.getLevelName(level)
    for name, ceiling in LIBRARY_CEILINGS.items():
        logging.getLogger(name).setLevel(max(ceiling, chosen))
