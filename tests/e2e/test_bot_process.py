"""End to end: the real `python -m bot run` process, polling the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import sys

from bot.simulator import DEFAULT_TOKEN
from tests.support.process import START_TIMEOUT, environment_without_bot_settings, stop


async def test_start_language_menu_then_restart_keeps_the_language(sim, start_bot, bot_log):
    user = sim.add_user(first_name="Aigerim", language_code="ru")

    process = await start_bot()
    await user.send_text("/start")
    welcome = await user.wait_reply(timeout=START_TIMEOUT)
    assert "Здравствуйте" in welcome.text
    assert welcome.protect_content and welcome.disable_notification

    await user.press("Қазақша")
    assert "Қазір сіз қауіпсізсіз бе?" in (await user.wait_reply()).text
    await user.press("Иә, қазір қауіпсізбін")
    menu = await user.wait_reply()
    assert "Басты мәзір" in menu.text
    assert "Полиция: не күтуге болады" in menu.button_texts()

    assert await stop(process) == 0

    # A new process on the same data folder: her phone still says Russian, her choice was Kazakh.
    process = await start_bot()
    await user.send_text("/menu")
    again = await user.wait_reply(timeout=START_TIMEOUT)
    assert "Басты мәзір" in again.text
    await user.send_text("/sos")
    emergency = await user.wait_reply()
    assert "102" in emergency.text and "112" in emergency.text and "111" in emergency.text
    assert await stop(process) == 0

    log = bot_log.read_text(encoding="utf-8")
    assert "bot started" in log and "stopped" in log
    assert DEFAULT_TOKEN not in log
    assert str(user.id) not in log and "Aigerim" not in log


async def test_a_message_sent_while_the_bot_is_down_is_answered_after_start(sim, start_bot):
    user = sim.add_user(first_name="Dana", language_code="en")
    await user.send_text("/sos")  # queued on the server before any bot is running
    process = await start_bot()
    reply = await user.wait_reply(timeout=START_TIMEOUT)
    assert "If you are in danger, call now." in reply.text
    assert await stop(process) == 0


async def test_a_token_the_server_rejects_is_one_clear_line_and_exit_2(sim, tmp_path):
    env = environment_without_bot_settings()
    wrong = DEFAULT_TOKEN.split(":")[0] + ":" + "x" * 35
    env.update(BOT_TOKEN=wrong, BOT_API_URL=sim.base_url, BOT_DATA_DIR=str(tmp_path / "data"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stderr=asyncio.subprocess.PIPE, cwd=tmp_path
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert stderr.decode().strip().splitlines()[-1].startswith("configuration error: BOT_TOKEN: the Bot API server")
    assert wrong not in stderr.decode()


async def test_a_corrupt_database_is_one_clear_line_and_exit_1(sim, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "bot.sqlite3").write_bytes(b"not a database at all " * 200)
    env = environment_without_bot_settings()
    env.update(BOT_TOKEN=DEFAULT_TOKEN, BOT_API_URL=sim.base_url, BOT_DATA_DIR=str(data))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stderr=asyncio.subprocess.PIPE, cwd=tmp_path
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=START_TIMEOUT)
    assert process.returncode == 1
    last = stderr.decode().strip().splitlines()[-1]
    assert last.startswith("storage error: the database") and "Traceback" not in stderr.decode()


async def test_a_data_folder_that_cannot_be_created_is_one_clear_line_and_exit_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = environment_without_bot_settings()
    env.update(BOT_TOKEN=DEFAULT_TOKEN, BOT_DATA_DIR=str(blocker / "data"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stderr=asyncio.subprocess.PIPE, cwd=tmp_path
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert (
        stderr.decode().strip()
        == f"configuration error: BOT_DATA_DIR: cannot create {blocker / 'data'} (Not a directory)"
    )


async def test_thirty_seconds_without_the_server_then_everything_pending_is_answered(sim, start_bot, bot_log):
    user = sim.add_user(first_name="Dana", language_code="en")
    process = await start_bot()
    await user.send_text("/menu")
    await user.wait_reply(timeout=START_TIMEOUT)
    await sim.go_offline()
    await user.send_text("/sos")  # written while the bot cannot reach Telegram
    await asyncio.sleep(30)
    assert process.returncode is None  # still running, retrying by itself
    await sim.go_online()
    reply = await user.wait_reply(timeout=20)
    assert "If you are in danger, call now." in reply.text
    assert await stop(process) == 0
    assert "polling failed error=NetworkError" in bot_log.read_text(encoding="utf-8")
