"""The journal's chat through python-telegram-bot: a recording request object that also answers sendDocument
and getFile and serves downloads, and a harness that sends her messages and taps her buttons. The fixture
(`journal_harness`) is in tests/handlers/conftest.py."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import RequestData

from bot.journal.service import JournalService
from bot.services import Services
from tests.support.journal import FakeClock
from tests.support.telegram import BOT_USER, Call, RecordingRequest, button_texts, buttons_of, callback_update

USER = 555000111
OTHER = 555000222

_ids = itertools.count(900_000)


@dataclass
class JournalRequest(RecordingRequest):
    """Also answers sendDocument and getFile, serves file downloads, and keeps each call's result."""

    results: dict[int, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # file_path -> bytes
    uploads: dict[int, dict[str, Any]] = field(default_factory=dict)  # call index -> multipart parts
    downloads: list[str] = field(default_factory=list)

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
        if "/file/bot" in url:
            path = url.split("/file/bot", 1)[1].split("/", 1)[1]
            self.downloads.append(path)
            return 200, self.files[path]
        if request_data is not None and request_data.multipart_data:
            self.uploads[len(self.calls)] = dict(request_data.multipart_data)
        return await super().do_request(url, method, request_data, read_timeout, write_timeout)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "sendDocument":
            result: Any = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "from": BOT_USER,
                "chat": {"id": int(params["chat_id"]), "type": "private", "first_name": "A"},
                "document": {"file_id": "DOC", "file_unique_id": "DOCU", "file_name": "x"},
            }
        elif method == "getFile":
            path = f"files/{params['file_id']}"
            result = {"file_id": params["file_id"], "file_unique_id": "U" + params["file_id"], "file_path": path}
        else:
            result = super()._result(method, params)
        self.results[len(self.calls) - 1] = result
        return result

    def sent_ids(self) -> list[int]:
        return [self.results[i]["message_id"] for i, call in enumerate(self.calls) if call.method == "sendMessage"]

    def deleted_ids(self) -> set[int]:
        deleted: set[int] = set()
        for call in self.calls:
            if call.method == "deleteMessages":
                deleted |= set(call.params["message_ids"])
            elif call.method == "deleteMessage":
                deleted.add(int(call.params["message_id"]))
        return deleted

    def texts_since(self, start: int) -> list[str]:
        return [c.params["text"] for c in self.calls[start:] if c.method in ("sendMessage", "editMessageText")]


@dataclass
class JournalHarness:
    """The bot's Application with a JournalRequest, its services (the journal at Argon2's cheapest) and the
    journal's monotonic clock; she writes and taps in `language`."""

    app: Application
    request: JournalRequest
    services: Services
    clock: FakeClock
    language: str = "en"

    @property
    def journal(self) -> JournalService:
        return self.services.journal

    def key(self, user_id: int = USER) -> str:
        return self.services.pseudonyms.user_key(user_id)

    async def send(self, text: str, user_id: int = USER, chat_type: str = "private", chat_id: int | None = None) -> int:
        return await self.message(user_id, chat_type=chat_type, chat_id=chat_id, **_text(text))

    async def message(self, user_id: int = USER, chat_type: str = "private", chat_id: int | None = None,
                      **content: Any) -> int:  # fmt: skip
        message_id = next(_ids)
        chat: dict[str, Any] = {"id": chat_id or user_id, "type": chat_type}
        chat.update({"first_name": "Aigerim"} if chat_type == "private" else {"title": "Some group"})
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": "Aigerim", "language_code": self.language},
            **content,
        }
        update = Update.de_json({"update_id": next(_ids), "message": message}, self.app.bot)
        await self.app.process_update(update)
        return message_id

    async def press(self, text: str, user_id: int = USER) -> None:
        """Tap the button with this text on the newest bot message showing it."""
        for index in range(len(self.request.calls) - 1, -1, -1):
            call = self.request.calls[index]
            if call.method not in ("sendMessage", "editMessageText"):
                continue
            for row in buttons_of(call):
                for button in row:
                    if button["text"] == text:
                        message_id = self.request.results[index]["message_id"]
                        update = callback_update(self.app, user_id, button["callback_data"], self.language, message_id)
                        await self.app.process_update(update)
                        return
        raise AssertionError(f"no button {text!r}; last buttons: {button_texts(self.last())}")

    def last(self) -> Call:
        return next(c for c in reversed(self.request.calls) if c.method in ("sendMessage", "editMessageText"))

    def last_text(self) -> str:
        return re.sub(r"<[^>]+>", "", self.last().params["text"])


def _text(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return content
