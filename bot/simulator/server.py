"""The HTTP side: an aiohttp app on 127.0.0.1 that answers like api.telegram.org.

Routes: `/bot{token}/{method}` (GET or POST; JSON, urlencoded or multipart body) and
`/file/bot{token}/{file_path}` for downloads. While a webhook is set, `webhook` (webhook.py) posts the
updates to it. Every request is recorded in `calls`; `faults` can make
the next request(s) to a method fail or stall.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import traceback
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import web

from .methods import METHODS
from .params import ApiError, Params, Upload
from .state import GETFILE_LIMIT, World
from .webhook import WebhookSender

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
MAX_UPLOAD = 50 * 1024 * 1024  # bots may upload up to 50 MB


@dataclass
class Fault:
    """One injected failure. `times` requests to `method` ("*" = any method but getUpdates) get it.

    status: 429 (with retry_after), 400, 403, 500, 502, ...; None with a delay = answer normally, late.
    """

    method: str = "*"
    status: int | None = None
    retry_after: int | None = None
    description: str | None = None
    delay: float = 0.0
    times: int = 1

    def matches(self, method: str) -> bool:
        # "*" leaves getUpdates alone: the bot polls all the time and would use the fault up at random.
        if self.method == "*":
            return method != "getUpdates"
        return self.method.lower() == method.lower()

    def error(self) -> ApiError | None:
        status = self.status or (429 if self.retry_after else None)
        if status is None:
            return None
        if status == 429:
            retry = self.retry_after or 1
            text = self.description or f"Too Many Requests: retry after {retry}"
            return ApiError(429, text, {"retry_after": retry})
        defaults = {
            400: "Bad Request: simulated failure",
            403: "Forbidden: bot was blocked by the user",
            409: "Conflict: terminated by other getUpdates request",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }
        text = self.description or defaults.get(status) or HTTPStatus(status).phrase
        prefix = {400: "Bad Request: ", 403: "Forbidden: "}.get(status, "")
        if prefix and not text.startswith(prefix):
            text = prefix + text
        return ApiError(status, text)


class Faults:
    def __init__(self) -> None:
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.pending.append(fault)
        return fault

    def clear(self) -> None:
        self.pending.clear()

    def take(self, method: str) -> Fault | None:
        for fault in self.pending:
            if fault.times > 0 and fault.matches(method):
                fault.times -= 1
                if fault.times == 0:
                    self.pending.remove(fault)
                return fault
        return None

    def __len__(self) -> int:
        return len(self.pending)


@dataclass
class Call:
    """One request as the simulator saw it."""

    method: str
    params: dict[str, Any] = field(default_factory=dict)  # typed where the method read them
    raw: dict[str, Any] = field(default_factory=dict)  # exactly as received (form fields are strings)
    content_type: str = ""
    ignored: list[str] = field(default_factory=list)  # parameters the method does not know
    fault: Fault | None = None
    status: int | None = None  # HTTP status; None if the request never finished
    response: dict[str, Any] | None = None
    date: int = 0

    @property
    def ok(self) -> bool:
        return self.status == 200


class ApiServer:
    def __init__(self, world: World) -> None:
        self.world = world
        self.faults = Faults()
        self.calls: list[Call] = []
        self.closed = False
        self.internal_errors: list[str] = []
        self.port: int | None = None
        self.webhook = WebhookSender(world)  # posts updates while a webhook is set
        self._runner: web.AppRunner | None = None

    async def start(self, port: int = 0) -> int:
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.webhook.start()
        return self.port

    async def stop(self) -> None:
        self.closed = True
        self.world.closed = True
        self.world.notify()  # lets waiting getUpdates return
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------------------------------ handlers

    async def _handle_method(self, request: web.Request) -> web.Response:
        token, name = request.match_info["token"], request.match_info["method"]
        if not _TOKEN.match(token):
            return _json(ApiError(404, "Not Found").body(), 404)
        if token != self.world.token:
            return _json(ApiError(401, "Unauthorized").body(), 401)
        spec = METHODS.get(name.lower())
        call = Call(method=spec.name if spec else name, date=self.world.clock.now())
        self.calls.append(call)
        try:
            if spec is None:
                raise ApiError(404, "Not Found")
            call.content_type = request.content_type
            params = await _read_params(request)
            call.raw = {**params.raw, **params.uploads}
            call.params = dict(call.raw)
            fault = call.fault = self.faults.take(spec.name)
            if fault is not None:
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                error = fault.error()
                if error is not None:
                    raise error
            result = spec.handler(self.world, params)
            if inspect.isawaitable(result):
                result = await result
            call.params.update(params.typed)
            call.ignored = sorted(set(params.raw) - spec.params)
            body: dict[str, Any] = {"ok": True, "result": result}
            call.status = 200
        except ApiError as err:
            body = err.body()
            call.status = err.code
        except ConnectionResetError:
            # The client went away mid-request (a bot stopping during a long poll): nobody to answer.
            call.status = None
            return web.Response(status=499)
        except Exception as err:  # a bug in the simulator: answer 500 and make the test run fail loudly
            self.internal_errors.append(f"{call.method}: {traceback.format_exc()}")
            body = ApiError(500, f"Internal Server Error: simulator bug: {err!r}").body()
            call.status = 500
        finally:
            self.world.notify()
        call.response = body
        return _json(body, call.status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        rec = self.world.files_by_path.get(request.match_info["path"])
        if token != self.world.token or rec is None or rec.size > GETFILE_LIMIT:
            return _json(ApiError(404, "Not Found").body(), 404)
        return web.Response(body=rec.data, content_type="application/octet-stream")


async def _read_params(request: web.Request) -> Params:
    """Query string and body merged, as the Bot API server does."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.body_exists:
        return Params(raw, uploads)
    try:
        if request.content_type == "application/json":
            try:
                body = json.loads(await request.text())
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON request body must be an Object")
            raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = Upload(key, value.filename, value.content_type, value.file.read())
                else:
                    raw[key] = value
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "Request Entity Too Large") from None
    return Params(raw, uploads)


def _json(body: dict[str, Any], status: int | None) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status or 500, content_type="application/json"
    )
