"""End to end: the real process refuses a key it must not use (issue 13, items 1 and 2) with one line and
exit code 2, before it answers anyone; and says so when the key lies beside the data."""

from __future__ import annotations

import asyncio

from bot.simulator import DEFAULT_TOKEN, Simulator
from tests.support.process import START_TIMEOUT, bot_process, stop

KEY_A, KEY_B = "a1" * 32, "b2" * 32


async def refused(process: asyncio.subprocess.Process) -> int:
    return await asyncio.wait_for(process.wait(), timeout=START_TIMEOUT)


async def test_a_start_with_another_key_stops_with_one_line_and_leaves_everything_as_it_was(tmp_path):
    data_dir, log_path = tmp_path / "data", tmp_path / "bot.log"
    async with Simulator(token=DEFAULT_TOKEN) as sim:
        user = sim.add_user(first_name="Aigerim", language_code="en")
        async with bot_process(sim, data_dir, log_path, BOT_SECRET_KEY=KEY_A) as process:
            await user.send_text("/start")
            await user.wait_reply(timeout=START_TIMEOUT)
            assert await stop(process) == 0
        log_path.write_bytes(b"")
        async with bot_process(sim, data_dir, log_path, BOT_SECRET_KEY=KEY_B) as process:
            assert await refused(process) == 2
        lines = log_path.read_text().splitlines()
        assert [line for line in lines if "configuration error" in line] == [
            f"configuration error: BOT_SECRET_KEY: this is not the key this database was created with "
            f"({data_dir / 'bot.sqlite3'}); start with the key it belongs to — nothing was changed"
        ]
        assert KEY_B not in log_path.read_text() and KEY_A not in log_path.read_text()
        # With the right key she is recognised: her language and place are still there.
        async with bot_process(sim, data_dir, log_path, BOT_SECRET_KEY=KEY_A) as process:
            await user.send_text("/menu")
            assert "Main menu" in (await user.wait_reply(timeout=START_TIMEOUT)).text
            assert await stop(process) == 0


async def test_a_key_file_others_can_read_is_refused_and_a_key_beside_the_data_is_warned_about(tmp_path):
    data_dir, log_path = tmp_path / "data", tmp_path / "bot.log"
    key_file = tmp_path / "bot.key"
    key_file.write_text(KEY_A + "\n")
    key_file.chmod(0o644)
    async with Simulator(token=DEFAULT_TOKEN) as sim:
        user = sim.add_user(first_name="Aigerim", language_code="en")
        async with bot_process(sim, data_dir, log_path, BOT_SECRET_KEY_FILE=str(key_file)) as process:
            assert await refused(process) == 2
        assert (
            "BOT_SECRET_KEY_FILE: " in log_path.read_text()
            and "can be read by others (mode 644)" in log_path.read_text()
        )
        assert sim.calls_to("getUpdates") == []  # refused before it ever asked Telegram for anything

        key_file.chmod(0o600)
        async with bot_process(sim, data_dir, log_path, BOT_SECRET_KEY_FILE=str(key_file)) as process:
            await user.send_text("/start")
            await user.wait_reply(timeout=START_TIMEOUT)
            assert await stop(process) == 0
        assert "lies in the data folder" not in log_path.read_text()

    async with Simulator(token=DEFAULT_TOKEN) as sim:
        user = sim.add_user(first_name="Aigerim", language_code="en")
        async with bot_process(sim, tmp_path / "other", log_path) as process:  # no key given: one in the folder
            await user.send_text("/start")
            await user.wait_reply(timeout=START_TIMEOUT)
            assert await stop(process) == 0
        assert "the secret key lies in the data folder beside the data it protects" in log_path.read_text()
