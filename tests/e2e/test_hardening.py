"""End to end: what any start of the real bot does to its data folder and its own process (issue 13, items
5 and 6): a folder left readable by others is made private, new files are private, no core dumps."""

from __future__ import annotations

import stat
from pathlib import Path

from bot.simulator import DEFAULT_TOKEN, Simulator
from tests.support.process import START_TIMEOUT, bot_process, stop


def core_limit(pid: int) -> list[str]:
    """The soft and hard core-file limits of a running process, as the kernel reports them."""
    limits = Path(f"/proc/{pid}/limits").read_text()
    return next(line for line in limits.splitlines() if line.startswith("Max core file size")).split()[4:6]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_data_folder_left_open_is_made_private_and_the_process_keeps_no_core_dumps(tmp_path):
    data_dir = tmp_path / "data"
    (data_dir / "copied-by-hand").mkdir(parents=True)
    data_dir.chmod(0o755)
    (data_dir / "copied-by-hand").chmod(0o755)
    restored = data_dir / "copied-by-hand" / "restored.bin"
    restored.write_bytes(b"x")
    restored.chmod(0o644)
    async with Simulator(token=DEFAULT_TOKEN) as sim:
        user = sim.add_user(first_name="Aigerim", language_code="en")
        async with bot_process(sim, data_dir, tmp_path / "bot.log") as process:
            await user.send_text("/start")
            await user.wait_reply(timeout=START_TIMEOUT)
            assert core_limit(process.pid) == ["0", "0"]  # soft and hard limits: no core file, ever
            assert await stop(process) == 0
    assert mode(data_dir) == 0o700 and mode(data_dir / "copied-by-hand") == 0o700
    assert mode(restored) == 0o600
    created = [path for path in data_dir.rglob("*") if path.is_file()]
    assert any(path.name.startswith("bot.sqlite3") for path in created)
    assert {path.name: mode(path) for path in created} == {path.name: 0o600 for path in created}
    assert "data folder permissions tightened items=3" in (tmp_path / "bot.log").read_text()
