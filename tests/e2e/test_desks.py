"""End to end: advocates' desks (issue 14) — the real `python -m bot run`, the simulator, two forum groups."""

from __future__ import annotations

import asyncio
import sys

from tests.support.process import START_TIMEOUT, environment_without_bot_settings

BROKEN = """\
desks:
  - id: almaty
    name: "Almaty crisis centre"
    chat_id: -1001000000001
    regions: [KZ-75, KZ-7]
    languages: [ru, kk]
    hours: "09:00-18:00"
    days: mon-fri
    advocates: [111111111]
    coordinators: [111111111]
"""


async def test_a_broken_desks_file_gives_path_and_line_and_exit_2(tmp_path):
    desks_file = tmp_path / "desks.yaml"
    desks_file.write_text(BROKEN, encoding="utf-8")
    env = environment_without_bot_settings()
    env.update(BOT_TOKEN="123456789:" + "A" * 35, BOT_DATA_DIR=str(tmp_path / "data"), BOT_DESKS_FILE=str(desks_file))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stderr=asyncio.subprocess.PIPE, cwd=tmp_path
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=START_TIMEOUT)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert lines[0].startswith(f"{desks_file}:5: regions: unknown code KZ-7;")
    assert lines[-1].startswith("the bot will not start with errors in the desks file (BOT_DESKS_FILE)")
    assert "Traceback" not in stderr.decode()
