"""Injected failures and the PTB 22.8 exceptions they turn into."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.simulator import Fault, Simulator, SimUser


async def test_429_becomes_retry_after(bot: Bot, sim: Simulator, user: SimUser) -> None:
    sim.faults.add(Fault(method="sendMessage", status=429, retry_after=2, times=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)  # retry_after will become a timedelta
        with pytest.raises(RetryAfter) as err:
            await bot.send_message(user.chat_id, "burst")
        assert err.value.retry_after in (2, timedelta(seconds=2))
    failed = sim.calls_to("sendMessage")[-1]
    assert failed.status == 429 and failed.fault is not None
    assert failed.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 2",
        "parameters": {"retry_after": 2},
    }
    assert user.bot_messages() == []  # nothing was sent
    await bot.send_message(user.chat_id, "retried")  # used up after `times`
    assert [m.text for m in user.bot_messages()] == ["retried"] and len(sim.faults) == 0


@pytest.mark.parametrize(
    ("fault", "exception", "text"),
    [
        (Fault("sendMessage", status=400, description="chat not found"), BadRequest, "Chat not found"),
        (Fault("sendMessage", status=403), Forbidden, "bot was blocked by the user"),
        (Fault("*", status=500), NetworkError, "Internal Server Error"),
        (Fault("SENDMESSAGE", status=502), NetworkError, "Bad Gateway"),
    ],
)
async def test_status_faults(
    bot: Bot, sim: Simulator, user: SimUser, fault: Fault, exception: type[Exception], text: str
) -> None:
    sim.faults.add(fault)
    with pytest.raises(exception) as err:
        await bot.send_message(user.chat_id, "x")
    assert err.type is exception  # BadRequest and TimedOut are NetworkErrors too: be exact
    assert text in str(err.value)


async def test_delay_longer_than_read_timeout_is_timed_out(
    sim: Simulator, user: SimUser, make_bot: Callable[..., Bot]
) -> None:
    sim.faults.add(Fault(method="sendMessage", delay=1.0))
    async with make_bot() as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(user.chat_id, "slow", read_timeout=0.3)
        # Like the real thing, the request was still carried out: a retry would send it twice.
        reply = await user.wait_reply(timeout=3)
        assert reply.text == "slow"


async def test_wildcard_spares_get_updates_and_counts_times(bot: Bot, sim: Simulator, user: SimUser) -> None:
    sim.faults.add(Fault(method="*", status=500, times=2))
    assert await bot.get_updates(timeout=0) == ()
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.get_chat(user.chat_id)
    assert (await bot.get_chat(user.chat_id)).id == user.chat_id
    assert [c.status for c in sim.calls_to("getChat")] == [500, 500, 200]


async def test_a_simulator_bug_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception inside the simulator is a 500 for the bot and an error for the test run."""
    from bot.simulator.params import METHODS, MethodSpec

    def broken(world: object, params: object) -> None:
        raise KeyError("oops")

    monkeypatch.setitem(METHODS, "getme", MethodSpec("getMe", broken, frozenset()))
    with pytest.raises(RuntimeError, match="simulator bug"):
        async with Simulator() as sim:
            async with httpx.AsyncClient() as client:
                response = await client.post(f"{sim.base_url}/bot{sim.token}/getMe")
            assert response.status_code == 500 and "KeyError" in response.json()["description"]
