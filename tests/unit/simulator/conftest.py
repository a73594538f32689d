"""Fixtures: a running Simulator and a real python-telegram-bot `Bot` pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram import Bot

from bot.simulator import DEFAULT_TOKEN, Simulator, SimUser


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(token=DEFAULT_TOKEN, bot_username="test_help_bot") as simulator:
        yield simulator


def bot_for(sim: Simulator, token: str = DEFAULT_TOKEN, **kwargs: Any) -> Bot:
    return Bot(token, base_url=f"{sim.base_url}/bot", base_file_url=sim.file_base_url, **kwargs)


@pytest.fixture
def make_bot(sim: Simulator) -> Callable[..., Bot]:
    """Another PTB Bot for the same simulator (e.g. another token or other timeouts)."""
    return lambda token=DEFAULT_TOKEN, **kwargs: bot_for(sim, token, **kwargs)


@pytest.fixture
async def bot(sim: Simulator) -> AsyncIterator[Bot]:
    async with bot_for(sim) as telegram_bot:
        yield telegram_bot


@pytest.fixture
async def user(sim: Simulator, bot: Bot) -> SimUser:
    """A user who has started the bot; the /start update is already confirmed."""
    person = sim.add_user(first_name="Aigerim", language_code="kk")
    await person.send_text("/start")
    updates = await bot.get_updates(timeout=1)
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return person


@pytest.fixture
def description(sim: Simulator) -> Callable[[str], str]:
    """Telegram's exact description in the simulator's last answer to a method."""

    def last_description(method: str) -> str:
        call = sim.calls_to(method)[-1]
        assert call.response is not None and not call.response["ok"], call
        return str(call.response["description"])

    return last_description
