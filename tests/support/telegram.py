"""Driving the real PTB Application without a network: a recording request object and real Update JSON."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT_ID = 7000000001
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Helper",
    "username": "test_help_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class RecordingRequest(BaseRequest):
    """Answers every Bot API call the way Telegram would, and remembers it."""

    calls: list[Call] = field(default_factory=list)
    fail_methods: dict[str, tuple[int, str]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(500))

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append(Call(api_method, params))
        if api_method in self.fail_methods:
            status, description = self.fail_methods[api_method]
            return status, json.dumps({"ok": False, "error_code": status, "description": description}).encode()
        return 200, json.dumps({"ok": True, "result": self._result(api_method, params)}).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            chat_id = int(params["chat_id"])
            message_id = int(params["message_id"]) if "message_id" in params else next(self._ids)
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "from": BOT_USER,
                "chat": {"id": chat_id, "type": "private", "first_name": "A"},
                "text": _strip(params["text"]),
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        return True

    # Conveniences for assertions
    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    def last(self, method: str) -> Call:
        for call in reversed(self.calls):
            if call.method == method:
                return call
        raise AssertionError(f"no {method} call; calls were {self.methods()}")

    def sent_texts(self) -> list[str]:
        return [call.params["text"] for call in self.calls if call.method in ("sendMessage", "editMessageText")]


def _strip(html_text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", html_text)


def buttons_of(call: Call) -> list[list[dict[str, Any]]]:
    markup = call.params.get("reply_markup") or {}
    return markup.get("inline_keyboard", [])


def button_texts(call: Call) -> list[str]:
    return [button["text"] for row in buttons_of(call) for button in row]


def callback_for(call: Call, text: str) -> str:
    for row in buttons_of(call):
        for button in row:
            if button["text"] == text:
                return button["callback_data"]
    raise AssertionError(f"no button {text!r}; buttons are {button_texts(call)}")


_update_ids = itertools.count(1)


def _user(user_id: int, language_code: str | None) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Aigerim"}
    if language_code:
        user["language_code"] = language_code
    return user


def text_update(
    app: Application,
    user_id: int,
    text: str,
    language_code: str | None = "ru",
    chat_type: str = "private",
    chat_id: int | None = None,
) -> Update:
    chat = {"id": chat_id or user_id, "type": chat_type}
    chat.update({"first_name": "Aigerim"} if chat_type == "private" else {"title": "Some group"})
    message = {
        "message_id": next(_update_ids) + 1_000_000,  # never the ids the request object hands out
        "date": int(time.time()),
        "chat": chat,
        "from": _user(user_id, language_code),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return Update.de_json({"update_id": next(_update_ids), "message": message}, app.bot)


def callback_update(
    app: Application, user_id: int, data: str, language_code: str | None = "ru", message_id: int = 42
) -> Update:
    message = {
        "message_id": message_id,
        "date": int(time.time()),
        "from": BOT_USER,
        "chat": {"id": user_id, "type": "private", "first_name": "Aigerim"},
        "text": "screen",
    }
    query = {
        "id": str(next(_update_ids)),
        "from": _user(user_id, language_code),
        "chat_instance": "-777",
        "data": data,
        "message": message,
    }
    return Update.de_json({"update_id": next(_update_ids), "callback_query": query}, app.bot)
