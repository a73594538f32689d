"""Talking HTTP to the Bot API with aiohttp instead of python-telegram-bot's default httpx.

Measured with py-spy under load (docs/performance.md): httpx took about half of the bot's CPU time, each
request a deep stack of pure-Python layers. aiohttp (already used by the simulator and the preview, with a C
HTTP parser) does the same work for less, so one core answers more people. Behaviour stays PTB's: the same
form-encoded parameters, multipart for files, and timeouts and network failures raised as PTB's own
`TimedOut` and `NetworkError`, which the rest of the bot already handles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    from telegram._utils.types import JSONDict, ODVInput  # typing only: BaseRequest's signatures

DEFAULT_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0  # uploads (a PDF export) get longer to be written


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = DEFAULT_TIMEOUT,
        write_timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = DEFAULT_TIMEOUT,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    # PTB declares it static but calls it on the instance (self.parse_json_payload), so a subclass may use state.
    def parse_json_payload(self, payload: bytes) -> JSONDict:  # type: ignore[override]
        return without_echoed_keyboard(BaseRequest.parse_json_payload(payload))

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data is not None else None
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        # aiohttp has no write timeout of its own: sending the request counts towards the whole-request limit.
        parts = [read, write, connect, pool]
        timeout = aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(method, url, data=_body(request_data, files), timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are TimeoutErrors too
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """PTB passes DEFAULT_NONE for "use the request object's own timeout"."""
    if value is None or isinstance(value, int | float):
        return value  # None: no limit at all, on purpose
    return default


def _body(request_data: RequestData | None, files: dict[str, Any] | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form fields as PTB sends them (JSON-encoded values); multipart when there are files."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not files:
        return fields
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form


def without_echoed_keyboard(answer: JSONDict) -> JSONDict:
    """Telegram's answer to sendMessage and editMessageText echoes the whole message, keyboard included, and PTB
    would build a button object for each of its buttons (a fifth of an edit's cost, measured) that the bot never
    reads: it takes the new message's id and date only. Updates (a list) keep theirs."""
    result = answer.get("result")
    if isinstance(result, dict) and "message_id" in result:
        result.pop("reply_markup", None)
    return answer


class UpdatesRequest(AiohttpRequest):
    """The long poll's own request object, which drops from a getUpdates answer the updates already running.

    While updates are being handled, Telegram sends the unconfirmed ones again with every getUpdates answer
    (the offset never passes an update still running, bot/telegram/polling.py); python-telegram-bot would turn
    each of them into an Update again only for the poll loop to skip it. The loop sets `started_through` (the
    highest update id it has begun) before each call; those at or below it are dropped here, from the decoded
    JSON, before PTB builds objects (BaseRequest.parse_json_payload, documented as the place to change
    decoding). Used for getUpdates only: nothing else returns a list of updates.
    """

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1)
        self.started_through: int | None = None

    def parse_json_payload(self, payload: bytes) -> JSONDict:  # type: ignore[override]
        answer = BaseRequest.parse_json_payload(payload)
        through, result = self.started_through, answer.get("result")
        if through is not None and isinstance(result, list):
            answer["result"] = [update for update in result if not _started(update, through)]
        return answer


def _started(update: object, through: int) -> bool:
    if not isinstance(update, dict):
        return False
    update_id = update.get("update_id")
    return isinstance(update_id, int) and update_id <= through
