"""BOT_LOG_FORMAT=json: one JSON object per line for log collectors, redacted like the text lines."""

from __future__ import annotations

import io
import json
import logging

from bot.logging_setup import JsonFormatter, RedactingFormatter

TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ"
SECRET = "Zq8_vN2-kP5wR7tY1uI3oL6aS9dF4gH0jK2xC5bM"


def emit(formatter: logging.Formatter, message: str, *args: object, exc: BaseException | None = None) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("bot.test_json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
        logger.error(message, *args, exc_info=exc_info)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_each_record_is_one_json_object_with_time_level_logger_and_message():
    output = emit(JsonFormatter([]), "update failed update_id=%s error=%s", 42, "TimedOut")
    assert output.count("\n") == 1
    line = json.loads(output)
    assert set(line) == {"time", "level", "logger", "message"}
    assert line["level"] == "ERROR" and line["logger"] == "bot.test_json"
    assert line["message"] == "update failed update_id=42 error=TimedOut"
    assert line["time"].endswith("+00:00")  # UTC, to the millisecond


def test_secrets_and_anything_shaped_like_a_token_are_masked_in_json_as_in_text():
    try:
        raise RuntimeError(f"https://api.telegram.org/bot{TOKEN}/getMe secret={SECRET}")
    except RuntimeError as error:
        caught = error
    for formatter in (JsonFormatter([SECRET]), RedactingFormatter([SECRET])):
        output = emit(formatter, "call failed %s", f"bot{TOKEN} {SECRET}", exc=caught)
        assert TOKEN not in output and SECRET not in output and "<redacted>" in output
    line = json.loads(emit(JsonFormatter([SECRET]), "failed", exc=caught))
    assert "RuntimeError" in line["exception"] and "\n" in line["exception"]  # one line of JSON, all the same


def test_a_multi_line_message_stays_one_line_of_json():
    output = emit(JsonFormatter([]), "first\nsecond")
    assert output.count("\n") == 1 and json.loads(output)["message"] == "first\nsecond"
