"""End to end (issue 13, item 3): `python -m bot keys rotate` on a stopped bot, then a restart with the new key
only — she is recognised when she writes and her PIN journal opens; the old key is refused with one line; a
rotation is refused while the bot runs."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.support.chatting import say, step
from tests.support.process import START_TIMEOUT, environment_without_bot_settings, stop

KEY_A, KEY_B = "a1" * 32, "b2" * 32
PIN = "135790"


async def keys_command(data_dir: Path, *args: str, **env: str) -> tuple[int, str]:
    environment = environment_without_bot_settings()
    environment.update(BOT_DATA_DIR=str(data_dir), **env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "keys", *args, env=environment, cwd=data_dir.parent,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=START_TIMEOUT)
    return await process.wait(), output.decode()


async def test_after_a_rotation_the_new_key_alone_recognises_her_and_opens_her_pin_journal(
    sim, start_bot, data_dir, bot_log
):
    she = sim.add_user(first_name="Dana", language_code="en")
    process = await start_bot(BOT_SECRET_KEY=KEY_A)
    await she.send_text("/journal")
    await she.wait_reply(timeout=START_TIMEOUT)
    await step(she, "Set a PIN")
    assert "Type the same PIN" in (await say(she, PIN)).text
    assert "The PIN is set." in (await say(she, PIN)).text
    await step(she, "✏️ New entry")
    await step(she, "Today")
    await say(she, "21:30")
    await say(she, "at my sister's")
    for _ in range(7):
        await step(she, "Skip")
    assert (await step(she, "Save")).text == "Record #1 saved."

    rotation = {"BOT_SECRET_KEY": KEY_B, "BOT_SECRET_KEY_PREVIOUS": KEY_A}
    code, output = await keys_command(data_dir, "rotate", **rotation)
    assert code == 2 and "another bot process is using" in output  # never under a running bot
    assert await stop(process) == 0

    code, output = await keys_command(data_dir, "rotate", **rotation)
    assert code == 0, output
    assert "journal keys without a PIN re-wrapped: 0" in output
    assert "waiting: 1 people move to the new key when they next write, 1 PIN journals when next unlocked" in output
    assert KEY_A not in output and KEY_B not in output

    bot_log.write_bytes(b"")
    old = await start_bot(BOT_SECRET_KEY=KEY_A)
    assert await asyncio.wait_for(old.wait(), timeout=START_TIMEOUT) == 2
    assert "moved to a new key (python -m bot keys rotate); start with that one" in bot_log.read_text()

    process = await start_bot(BOT_SECRET_KEY=KEY_B)
    await she.send_text("/journal")
    asked = await she.wait_reply(timeout=START_TIMEOUT)
    assert "Enter the journal's PIN" in asked.text  # recognised: her journal, not an offer to make one
    await she.send_text(PIN)
    opened = await she.wait_replies()
    assert any("1 entry." in (message.text or "") for message in opened)
    assert await stop(process) == 0

    code, output = await keys_command(data_dir, "status", BOT_SECRET_KEY=KEY_B)
    assert code == 0 and "0 people have not written since; 0 PIN journals not opened since" in output
    code, output = await keys_command(data_dir, "finish", BOT_SECRET_KEY=KEY_B)
    assert code == 0 and "rotation finished" in output
    assert KEY_A not in bot_log.read_text() and KEY_B not in bot_log.read_text()
