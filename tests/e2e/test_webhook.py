"""End to end: the real bot in webhook mode, the simulator posting to it as Telegram does (issue 13, items 7
and 8), and its /healthz and /metrics.

`sim.webhook_proxy` plays the operator's TLS proxy: the simulator posts what Telegram would post to the public
https URL to the bot's plain-HTTP listener on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import DATABASE_FILE
from bot.simulator import Fault, Simulator, SimUser
from tests.e2e.test_crashes import Do, act, handlings, held_up, sent_to
from tests.support.process import START_TIMEOUT, StartBot, stop

URL = "https://bot.example.org/telegram/hook-7f3a"
SECRET = "Zq8_vN2-kP5wR7tY1uI3oL6aS9dF4gH0jK2xC5bM"
SOS = Do(text="/sos", shows="дәл қазір қоңырау шалыңыз")
ANSWER_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def listen(sim: Simulator) -> str:
    """The bot's webhook listener, where the simulator's "proxy" forwards Telegram's posts."""
    port = free_port()
    sim.webhook_proxy = f"http://127.0.0.1:{port}"
    return f"127.0.0.1:{port}"


def starts(bot_log: Path) -> int:
    return bot_log.read_text(encoding="utf-8").count("bot started") if bot_log.exists() else 0


async def start_and_wait(start_bot: StartBot, bot_log: Path, **env: str) -> asyncio.subprocess.Process:
    """Start the bot and return once it logged that it started (in webhook mode: listening, webhook set)."""
    started = starts(bot_log)
    process = await start_bot(**env)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while starts(bot_log) == started:
        assert process.returncode is None, f"the bot exited with {process.returncode}; log: {bot_log}"
        assert loop.time() < deadline, f"the bot did not start; log: {bot_log}"
        await asyncio.sleep(0.05)
    return process


async def start_webhook_bot(start_bot: StartBot, bot_log: Path, listen: str, **env: str) -> asyncio.subprocess.Process:
    return await start_and_wait(
        start_bot, bot_log, BOT_WEBHOOK_URL=URL, BOT_WEBHOOK_SECRET=SECRET, BOT_WEBHOOK_LISTEN=listen, **env
    )


async def eventually(condition: Callable[[], object], within: float = ANSWER_TIMEOUT) -> None:
    """Until `condition()` holds, looked at every 20 ms: the database changes without telling the simulator."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.02)


def inbox_rows(data_dir: Path) -> list[tuple[int, bytes]]:
    with contextlib.closing(sqlite3.connect(data_dir / DATABASE_FILE)) as db:
        return [(row[0], bytes(row[1])) for row in db.execute("SELECT update_id, body FROM update_inbox")]


async def post(address: str, path: str, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://{address}{path}", data=body, headers=headers) as response,
    ):
        return response.status


async def get(address: str, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"http://{address}{path}") as response:
        return response.status, await response.text()


def an_update(she: SimUser, update_id: int, text: str) -> dict[str, Any]:
    """An update shaped as Telegram's, for requests the simulator would not make."""
    person = {"id": she.id, "is_bot": False, "first_name": she.first_name, "language_code": "kk"}
    chat = {"id": she.id, "first_name": she.first_name, "type": "private"}
    message = {"message_id": 9000, "from": person, "chat": chat, "date": int(time.time()), "text": text}
    return {"update_id": update_id, "message": message}


# ------------------------------------------------------------------------------------ the secret


async def test_a_request_without_the_right_secret_is_refused_and_nothing_of_it_is_kept_or_answered(
    sim, start_bot, data_dir, bot_log, listen
):
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_webhook_bot(start_bot, bot_log, listen)
    assert sim.calls_to("setWebhook")[-1].params["secret_token"] == SECRET

    forged = aiohttp.JsonPayload(an_update(she, 1, "/sos"))._value  # the bytes a forger would post
    assert await post(listen, "/telegram/hook-7f3a", forged, None) == 403
    assert await post(listen, "/telegram/hook-7f3a", forged, SECRET[:-1] + "x") == 403
    assert await post(listen, "/telegram/hook-7f3a", forged, SECRET + "x") == 403
    # The right secret with a body that is not an update: refused too, nothing stored.
    assert await post(listen, "/telegram/hook-7f3a", b"{not json", SECRET) == 400
    assert await post(listen, "/telegram/hook-7f3a", b'{"message": {}}', SECRET) == 400
    assert inbox_rows(data_dir) == []

    # Telegram's own post (the simulator, with the secret) is answered — and only it.
    sos = await act(sim, she, SOS)
    await sim.wait_until(lambda: handlings(sim, sos) >= 1, START_TIMEOUT)
    assert [d.status for d in sim.webhook_deliveries] == [200]
    assert handlings(sim, sos) == 1, sent_to(sim, she)
    assert len(sent_to(sim, she)) == 1  # the forged /sos got nothing
    assert await stop(process) == 0
    assert inbox_rows(data_dir) == []
    log = bot_log.read_text(encoding="utf-8")
    assert "webhook requests without the right secret refused status=403" in log
    assert SECRET not in log


# ------------------------------------------------------------------------------------ the inbox


async def test_an_update_acknowledged_then_killed_before_it_was_handled_is_answered_once_after_the_restart(
    sim, start_bot, data_dir, bot_log, listen
):
    she = sim.add_user(first_name="Aigerim", last_name="Seitkali", language_code="kk")
    process = await start_webhook_bot(start_bot, bot_log, listen)
    # Her answer is held up at Telegram: the update was received, stored and acknowledged, its handling is
    # still going on when the bot dies.
    sim.faults.add(Fault(method="sendMessage", status=500, delay=30))
    sos = await act(sim, she, SOS)
    await held_up(sim, "sendMessage")
    assert [(d.update_id, d.status) for d in sim.webhook_deliveries] == [(sos.update_id, 200)]
    assert sim.pending_updates == []  # Telegram has its 200: it will never send this update again
    rows = inbox_rows(data_dir)
    assert [update_id for update_id, _body in rows] == [sos.update_id]
    assert not any(word in rows[0][1] for word in (b"/sos", b"Aigerim", b"Seitkali", str(she.id).encode()))
    process.kill()
    await process.wait()
    assert handlings(sim, sos) == 0

    process = await start_webhook_bot(start_bot, bot_log, listen)
    await sim.wait_until(lambda: handlings(sim, sos) >= 1, START_TIMEOUT)
    assert await stop(process) == 0
    assert handlings(sim, sos) == 1, sent_to(sim, she, sos.after_call)
    assert inbox_rows(data_dir) == []
    assert "inbox updates left by the last run are being handled count=1" in bot_log.read_text(encoding="utf-8")


async def test_the_same_update_posted_again_after_it_was_handled_is_not_handled_twice(
    sim, start_bot, data_dir, bot_log, listen
):
    she = sim.add_user(first_name="Dana", language_code="kk")
    process = await start_webhook_bot(start_bot, bot_log, listen)
    sos = await act(sim, she, SOS)
    await sim.wait_until(lambda: handlings(sim, sos) == 1, ANSWER_TIMEOUT)
    await eventually(lambda: not inbox_rows(data_dir))
    # Telegram retries an update whose 200 it did not get (a connection cut at the wrong moment).
    again = aiohttp.JsonPayload(an_update(she, sos.update_id, "/sos"))._value
    assert await post(listen, "/telegram/hook-7f3a", again, SECRET) == 200
    follow_up = await act(sim, she, Do(text="/menu", shows="Басты мәзір"))
    await sim.wait_until(lambda: handlings(sim, follow_up) == 1, ANSWER_TIMEOUT)
    assert await stop(process) == 0
    assert handlings(sim, sos) == 1


# ------------------------------------------------------------------------------------ back to polling


async def test_back_in_polling_mode_the_webhook_is_removed_and_what_waited_there_is_answered(
    sim, start_bot, data_dir, bot_log, listen
):
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_webhook_bot(start_bot, bot_log, listen)
    first = await act(sim, she, SOS)
    await sim.wait_until(lambda: handlings(sim, first) == 1, ANSWER_TIMEOUT)
    assert await stop(process) == 0
    # While no bot runs, she writes: Telegram keeps trying the webhook, nobody answers there.
    waiting = await act(sim, she, Do(text="/menu", shows="Басты мәзір"))
    await sim.wait_until(lambda: any(not d.ok for d in sim.webhook_deliveries), ANSWER_TIMEOUT)

    process = await start_and_wait(start_bot, bot_log)  # no BOT_WEBHOOK_URL: polling
    await sim.wait_until(lambda: handlings(sim, waiting) == 1, START_TIMEOUT)
    assert [call.params.get("drop_pending_updates", False) for call in sim.calls_to("deleteWebhook")] == [False]
    assert sim.world.webhook is None
    later = await act(sim, she, SOS)
    await sim.wait_until(lambda: handlings(sim, later) == 1, ANSWER_TIMEOUT)
    assert await stop(process) == 0


# ------------------------------------------------------------------------------------ health and metrics


def mentions(text: str, number: int) -> bool:
    """Whether a number appears in the text as a number of its own (not inside a longer one)."""
    return re.search(rf"(?<![\d.]){number}(?![\d.])", text) is not None


async def test_metrics_after_a_conversation_count_it_and_hold_nothing_of_her(sim, start_bot, data_dir, bot_log, listen):
    she = sim.add_user(first_name="Aigerim", last_name="Seitkali", username="aigerim_k", language_code="kk")
    process = await start_webhook_bot(start_bot, bot_log, listen)
    steps = [
        Do(text="/start", shows="Қазір сіз қауіпсізсіз бе?"),
        Do(tap="Иә, қазір қауіпсізбін", shows="Басты мәзір"),
        Do(text="Ол кеше мені қорқытты", shows="Басты мәзір"),
    ]
    done = []
    for step in steps:
        done.append(await act(sim, she, step))
        await sim.wait_until(lambda: handlings(sim, done[-1]) == 1, ANSWER_TIMEOUT)
        await eventually(lambda: not inbox_rows(data_dir))
    assert await get(listen, "/healthz") == (200, "ok\n")
    status, metrics = await get(listen, "/metrics")
    assert status == 200
    assert 'bot_updates_total{kind="message"} 2.0' in metrics
    assert 'bot_updates_total{kind="callback_query"} 1.0' in metrics
    assert 'bot_webhook_requests_total{outcome="accepted"} 3.0' in metrics
    assert "bot_update_handling_seconds_count 3.0" in metrics
    assert "bot_outbox_pending 0.0" in metrics and 'bot_wipe_backlog{kind="chat"} 0.0' in metrics
    for word in ("Aigerim", "Seitkali", "aigerim_k", "қорқытты", "/start", "кеше"):
        assert word not in metrics, word
    for number in (she.id, *(action.update_id for action in done)):
        assert not mentions(metrics, number), number
    assert await stop(process) == 0


async def test_healthz_in_polling_mode_says_ok_then_503_when_the_database_file_is_gone(
    sim, start_bot, data_dir, bot_log
):
    address = f"127.0.0.1:{free_port()}"
    await start_and_wait(start_bot, bot_log, BOT_METRICS_LISTEN=address, BOT_LOG_FORMAT="json")
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    sos = await act(sim, she, SOS)
    await sim.wait_until(lambda: handlings(sim, sos) == 1, ANSWER_TIMEOUT)
    assert await get(address, "/healthz") == (200, "ok\n")
    status, metrics = await get(address, "/metrics")
    assert status == 200 and 'bot_updates_total{kind="message"} 1.0' in metrics
    # Someone moves the database away under the running bot (a volume unmounted, a careless clean-up): it goes
    # on writing into a file the next start will not find. The health check says so.
    (data_dir / DATABASE_FILE).rename(data_dir / "moved.sqlite3")
    status, reason = await get(address, "/healthz")
    assert (status, reason) == (503, "database: its file was removed or replaced while the bot runs\n")
    # BOT_LOG_FORMAT=json: every line of the log is one JSON object, for a log collector.
    lines = [json.loads(line) for line in bot_log.read_text(encoding="utf-8").splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line["message"].startswith("bot started") for line in lines)
