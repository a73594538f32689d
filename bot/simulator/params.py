"""Request parameters as the Bot API server reads them, errors, and the method registry.

PTB 22.8 sends every parameter as a form field (application/x-www-form-urlencoded, or multipart/form-data
when uploading): strings as they are, everything else JSON-encoded ("123", "true", '{"inline_keyboard":
...}'). Other clients send a JSON body. `Params` accepts both and converts like the Bot API server:
integers and booleans from strings, nested objects from JSON strings.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .state import World


class ApiError(Exception):
    """A refused request: HTTP status + Telegram's description (+ optional response parameters)."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def forbidden(description: str) -> ApiError:
    return ApiError(403, f"Forbidden: {description}")


@dataclass
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:  # keeps sim.calls readable
        return f"<upload {self.filename or self.field!r}: {len(self.data)} bytes>"


_TRUE = frozenset({"true", "True", "1"})


class Params:
    def __init__(self, raw: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.raw = raw
        self.uploads = uploads or {}
        self.typed: dict[str, Any] = {}  # what the method read, converted (recorded in sim.calls)

    def value(self, name: str) -> Any:
        """The raw value; an empty string counts as absent, like in the Bot API server."""
        value = self.raw.get(name)
        return None if value == "" else value

    def has(self, name: str) -> bool:
        return self.value(name) is not None or name in self.uploads

    def str_(self, name: str, default: str | None = None) -> str | None:
        value = self.value(name)
        if value is None:
            return default
        result = value if isinstance(value, str) else json.dumps(value)
        self.typed[name] = result
        return result

    def int_(self, name: str, default: int = 0) -> int:
        """Like the Bot API server: a value that is not a number reads as 0."""
        value = self.value(name)
        if value is None:
            return default
        if isinstance(value, bool):
            result = int(value)
        elif isinstance(value, int):
            result = value
        else:
            try:
                result = int(str(value).strip())
            except ValueError:
                result = 0
        self.typed[name] = result
        return result

    def float_(self, name: str, default: float = 0.0) -> float:
        value = self.value(name)
        if value is None:
            return default
        try:
            result = float(value)
        except (TypeError, ValueError):
            result = 0.0
        self.typed[name] = result
        return result

    def bool_(self, name: str) -> bool:
        value = self.value(name)
        if value is None:
            return False
        result = value if isinstance(value, bool) else str(value) in _TRUE
        self.typed[name] = result
        return result

    def json_(self, name: str, what: str) -> Any:
        """A JSON-serialized parameter; malformed JSON -> "can't parse <what> JSON object"."""
        value = self.value(name)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise bad(f"can't parse {what} JSON object") from None
        self.typed[name] = value
        return value

    def chat_id(self, name: str = "chat_id") -> int | str | None:
        value = self.value(name)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().startswith("@"):
            self.typed[name] = value.strip()
            return value.strip()
        return self.int_(name)


Handler = Callable[[World, Params], Any | Awaitable[Any]]


@dataclass(frozen=True)
class MethodSpec:
    name: str
    handler: Handler
    params: frozenset[str]


METHODS: dict[str, MethodSpec] = {}

SEND_COMMON = (
    "chat_id message_thread_id direct_messages_topic_id business_connection_id disable_notification "
    "protect_content allow_paid_broadcast message_effect_id suggested_post_parameters reply_parameters "
    "reply_to_message_id allow_sending_without_reply reply_markup"
)


def api(name: str, params: str = "") -> Callable[[Handler], Handler]:
    """Registers a Bot API method; `params` lists the parameter names Telegram knows for it."""

    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = MethodSpec(name, handler, frozenset(params.split()))
        return handler

    return register
