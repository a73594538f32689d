"""The one way the end-to-end tests run the bot: a fresh simulator (`sim`) and `start_bot(**env)`, which starts
the real `python -m bot run` against it on the test's data folder (`data_dir`) with its log in `bot_log`, and
returns the process. Call it again after stopping or killing the bot to restart it on the same folder; any
process still running at the end is killed before the simulator closes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.simulator import DEFAULT_TOKEN, Simulator
from tests.support.process import StartBot, bot_process


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(token=DEFAULT_TOKEN) as simulator:
        yield simulator


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def bot_log(tmp_path: Path) -> Path:
    return tmp_path / "bot.log"


@pytest.fixture
async def start_bot(sim: Simulator, data_dir: Path, bot_log: Path) -> AsyncIterator[StartBot]:
    """`await start_bot(**env)`: the bot process (tests/support/process.py), started; once per start or restart."""
    async with AsyncExitStack() as processes:

        async def start(**env: str) -> asyncio.subprocess.Process:
            return await processes.enter_async_context(bot_process(sim, data_dir, bot_log, **env))

        yield start
