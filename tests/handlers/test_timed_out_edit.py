"""A tap whose screen edit timed out: under load Telegram's answer can be late although the edit was made, or the
edit can be lost. Either way she sees the screen she asked for, not an apology with the menu she just left
(tests/e2e/test_load.py once saw that under CPU starvation)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.error import TimedOut
from telegram.ext import Application
from telegram.request import RequestData

from bot.config import Settings
from bot.services import Services
from tests.support.application import running_application
from tests.support.telegram import Call, RecordingRequest, callback_update, text_update

USER = 777001


class LateEdits(RecordingRequest):
    """The next `late` editMessageText calls reach Telegram (or not: `made`) but their answers never come back."""

    def __init__(self) -> None:
        super().__init__()
        self.late, self.made = 0, True
        self.shown: dict[int, str] = {}  # message id -> the text she sees

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **kwargs: Any):
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if api_method == "editMessageText" and self.late:
            self.late -= 1
            self.calls.append(Call(api_method, params))
            if self.made:
                self.shown[int(params["message_id"])] = params["text"]
            raise TimedOut()
        if api_method == "editMessageText" and self.shown.get(int(params["message_id"])) == params["text"]:
            self.calls.append(Call(api_method, params))
            return 400, b'{"ok": false, "error_code": 400, "description": "Bad Request: message is not modified"}'
        status, body = await super().do_request(url, method, request_data, **kwargs)
        if api_method in ("editMessageText", "sendMessage") and status == 200:
            self.shown[int(params.get("message_id") or 0)] = params["text"]
        return status, body


@pytest.fixture
async def late_app(settings: Settings, services: Services) -> AsyncIterator[tuple[Application, LateEdits]]:
    request = LateEdits()
    async with running_application(settings, services, request) as application:
        yield application, request


@pytest.mark.parametrize("made", [True, False], ids=["edit made, answer late", "edit lost"])
async def test_a_timed_out_screen_edit_still_shows_the_screen_she_tapped_and_no_apology(late_app, made):
    app, request = late_app
    await app.process_update(text_update(app, USER, "/menu", language_code="en"))
    request.late, request.made = 1, made
    await app.process_update(callback_update(app, USER, "1:s:police", language_code="en"))
    edits = [call for call in request.calls if call.method == "editMessageText"]
    assert len(edits) == 2 and "The police" in edits[-1].params["text"]
    sent_after = [call.params["text"] for call in request.calls if call.method == "sendMessage"][1:]
    assert sent_after == []  # no apology, no second copy of the menu
