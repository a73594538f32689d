"""Running the real bot process against the simulator, for end-to-end tests (through the `start_bot` fixture of
tests/e2e/conftest.py), and the clean environment every `python -m bot …` of the tests starts from."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol

from bot.simulator import DEFAULT_TOKEN, Simulator

START_TIMEOUT = 30.0  # a cold interpreter on a loaded CI machine
STOP_TIMEOUT = 20.0


def environment_without_bot_settings() -> dict[str, str]:
    """This process's environment without any BOT_ variable: nothing of the machine's own configuration leaks
    into a `python -m bot …` the tests start."""
    return {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}


@asynccontextmanager
async def bot_process(
    sim: Simulator, data_dir: Path, log_path: Path, **extra_env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot run` against the simulator, its log appended to log_path; killed if still running."""
    env = environment_without_bot_settings()
    env.update(BOT_TOKEN=DEFAULT_TOKEN, BOT_API_URL=sim.base_url, BOT_DATA_DIR=str(data_dir), BOT_LOG_LEVEL="DEBUG")
    env.update(extra_env)
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, stdout=log, stderr=log, cwd=data_dir.parent
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


class StartBot(Protocol):
    """The `start_bot` fixture of tests/e2e/conftest.py: `bot_process` on the test's simulator, data folder and
    log, with these BOT_ variables besides; the process is killed at the end of the test if still running."""

    async def __call__(self, **env: str) -> asyncio.subprocess.Process: ...


async def stop(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), timeout=STOP_TIMEOUT)
