"""End to end (issue 13, item 9): a backup taken while the real bot serves people, restored into a new folder
and run again with the same key — her journal (text and photo) and her settings are back, as they were at
the moment of the backup, and the key is nowhere in the archive. Then every archive and folder `restore` must
refuse, through the real command line: one line each, the exit code, and the folder untouched."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import io
import re
import sqlite3
import stat
import sys
import tarfile
from collections.abc import Awaitable
from pathlib import Path

from pypdf import PdfReader

from bot.simulator import SimMessage, SimUser, make_png
from bot.storage.database import Database
from bot.storage.key_check import verify_key
from tests.e2e.test_journal import download, say, step
from tests.support.process import START_TIMEOUT, bot_process, environment_without_bot_settings, stop

KEY_A, KEY_B = "a1" * 32, "b2" * 32
PACE = 0.3  # seconds between two taps of the other person


async def command(cwd: Path, *args: str, **env: str) -> tuple[int, list[str]]:
    """`python -m bot ARGS` with only these BOT_ variables: its exit code and its output lines."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**environment_without_bot_settings(), **env},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=START_TIMEOUT)
    return process.returncode or 0, output.decode().splitlines()


async def write_entries(user: SimUser, written: list[int], stop_writing: asyncio.Event) -> None:
    """Someone else's traffic: journal entries, one after the other, until told to stop. At a person's pace:
    the bot slows anyone tapping more than 20 times in 5 seconds (bot/telegram/flood.py)."""

    async def tap(button: str) -> SimMessage:
        await asyncio.sleep(PACE)
        return await step(user, button)

    await user.send_text("/journal")
    await user.wait_reply(timeout=START_TIMEOUT)
    await tap("Without a PIN")
    while not stop_writing.is_set():
        await tap("✏️ New entry")
        await tap("Today")
        await say(user, "21:30")
        await say(user, "at home")
        for _ in range(7):
            await tap("Skip")
        saved = await tap("Save")
        assert saved.text == f"Record #{len(written) + 1} saved."
        written.append(len(written) + 1)
        await tap("📓 Journal")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_backup_during_traffic_restores_her_journal_and_settings_and_never_holds_the_key(
    sim, start_bot, data_dir, bot_log, tmp_path
):
    she = sim.add_user(first_name="Aruzhan", language_code="en")
    other = sim.add_user(first_name="Dana", language_code="en")
    process = await start_bot()  # no key setting: the bot keeps one in the data folder, the weak setup
    await she.send_text("/start")
    await she.wait_reply(timeout=START_TIMEOUT)
    await step(she, "Қазақша")
    await say(she, "/menu")
    settings = await step(she, "⚙ Баптаулар")
    assert "✓ 1 сағат" in settings.button_texts()
    await she.press("24 сағат")
    assert "✓ 24 сағат" in (await she.wait_reply()).button_texts()

    unique = "UNIQbackup7Qx ас үйде итеріп жіберді"
    photo = make_png(40, 30)
    await she.send_text("/journal")
    await she.wait_reply()
    await step(she, "PIN-кодсыз")
    await step(she, "✏️ Жаңа жазба")
    await step(she, "Бүгін")
    await step(she, "Өткізу")  # the time
    await say(she, "үйде")
    await say(she, unique)
    for button in ("Өткізу", "Өткізу", "Жоқ", "Өткізу", "Өткізу"):  # injuries, witnesses, children, police, medical
        await step(she, button)
    await she.send_photo(photo)
    assert "Шифрланып сақталды" in (await she.wait_reply()).text
    await step(she, "Дайын")
    assert (await step(she, "Сақтау")).text == "№1 жазба сақталды."

    # The backup, while Dana writes her journal.
    stop_writing, written = asyncio.Event(), []
    traffic = asyncio.create_task(write_entries(other, written, stop_writing))
    await sim.wait_until(lambda: len(written) >= 1, timeout=START_TIMEOUT)
    before = len(written)
    code, lines = await command(tmp_path, "backup", str(tmp_path), BOT_DATA_DIR=str(data_dir))
    after = len(written)
    stop_writing.set()
    await traffic
    assert code == 0 and len(lines) == 1, lines
    archive = Path(lines[0].split(" ")[0])
    assert archive.parent == tmp_path and archive.name.startswith("bot-backup-") and mode(archive) == 0o600
    compressed = await asyncio.to_thread(archive.read_bytes)
    # Her photo only (Dana's entries have none); with backup.json, the database and the manifest.
    assert lines[0] == f"{archive} {len(compressed)} bytes, 4 members (1 journal files)"

    # After the backup she changes her mind: the restored folder goes back to the moment of the backup.
    await say(she, "/menu")
    await step(she, "⚙ Баптаулар")
    await she.press("15 мин")
    assert "✓ 15 мин" in (await she.wait_reply()).button_texts()
    assert await stop(process) == 0

    key_file = data_dir / "secret.key"
    key_hex = key_file.read_text().strip()
    for needle in (key_hex.encode(), bytes.fromhex(key_hex)):
        assert needle not in compressed and needle not in gzip.decompress(compressed)
    assert unique.encode() not in gzip.decompress(compressed) and photo not in gzip.decompress(compressed)

    restored = tmp_path / "restored"
    code, lines = await command(
        tmp_path, "restore", str(archive), "--data-dir", str(restored), BOT_SECRET_KEY_FILE=str(key_file)
    )
    assert code == 0 and len(lines) == 1 and lines[0].startswith("restored the database"), lines
    assert mode(restored) == 0o700 and not (restored / "secret.key").exists()

    async with bot_process(sim, restored, bot_log, BOT_SECRET_KEY_FILE=str(key_file)) as process:
        await she.send_text("/menu")
        menu = await she.wait_reply(timeout=START_TIMEOUT)
        assert "Басты мәзір" in menu.text  # her language
        settings = await step(she, "⚙ Баптаулар")
        assert "✓ 24 сағат" in settings.button_texts()  # her auto-wipe, as it was at the backup
        await she.send_text("/journal")
        journal = await she.wait_reply()
        assert "1 жазба." in journal.text
        await she.press("PDF алу")
        exported = await she.wait_reply()
        pdf = await download(sim, exported.file_ids[0])
        # Dana's journal as at the snapshot: what she saved before it, and at most the entry she was saving then.
        await other.send_text("/journal")
        entries = int(re.search(r"(\d+) entr", (await other.wait_reply()).text)[1])
        assert before <= entries <= after + 1
        assert await stop(process) == 0
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert unique in text.replace("\n", " ")
    assert hashlib.sha256(photo).hexdigest() in text.replace("\n", "")  # the photo decrypted and matched
    assert "бұзушылық жоқ" in text  # the hash chain, files included, intact
    with sqlite3.connect(restored / "bot.sqlite3") as database:
        assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


async def test_restore_refuses_a_busy_folder_a_changed_or_hostile_archive_and_the_wrong_key(tmp_path):
    data_dir, target = tmp_path / "data", tmp_path / "target"
    code, lines = await command(tmp_path, "backup", str(tmp_path), BOT_DATA_DIR=str(data_dir))
    assert (code, lines) == (
        2,
        [f"backup: BOT_DATA_DIR: no database at {data_dir / 'bot.sqlite3'} — nothing to back up (is this the bot's "
         "data folder?)"],
    )  # fmt: skip
    data_dir.mkdir(mode=0o700)
    database = await Database.open(data_dir / "bot.sqlite3")
    await verify_key(database, KEY_A.encode())
    await database.close()
    archive = tmp_path / "nightly.tar"
    code, lines = await command(tmp_path, "backup", str(archive), BOT_DATA_DIR=str(data_dir))
    assert code == 0 and lines[0].startswith(f"{archive} "), lines
    target.mkdir()

    def restore(source: Path = archive, folder: Path = target, **env: str) -> Awaitable[tuple[int, list[str]]]:
        return command(tmp_path, "restore", str(source), "--data-dir", str(folder), **env)

    assert await restore() == (
        2,
        ["configuration error: BOT_SECRET_KEY_FILE: no key configured; set it (or BOT_SECRET_KEY) to the key the "
         "backup was made with — a backup never holds the key"],
    )  # fmt: skip
    assert await restore(BOT_SECRET_KEY=KEY_B) == (
        2,
        [f"restore: BOT_SECRET_KEY: this is not the key this backup was made with; nothing was written to {target}"],
    )
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("hers")
    assert await restore(folder=busy, BOT_SECRET_KEY=KEY_A) == (
        2,
        [f"restore: {busy} is not empty; restore into a new or empty folder — nothing was changed"],
    )
    assert [path.name for path in busy.iterdir()] == ["keep.txt"]

    with tarfile.open(archive) as tar:
        genuine = {member.name: tar.extractfile(member).read() for member in tar}
        offset = tar.getmember("bot.sqlite3").offset_data + 4096
    changed = bytearray(archive.read_bytes())
    changed[offset] ^= 0x20
    tampered = tmp_path / "tampered.tar"
    tampered.write_bytes(bytes(changed))
    assert await restore(tampered, BOT_SECRET_KEY=KEY_A) == (
        1,
        [f"restore: bot.sqlite3: does not match its SHA-256 in the manifest (changed or damaged); {target} was left "
         "as it was"],
    )  # fmt: skip

    hostile = tmp_path / "hostile.tar"
    with tarfile.open(hostile, "w") as tar:
        for name, data in [("../escaped", b"owned"), *genuine.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert await restore(hostile, BOT_SECRET_KEY=KEY_A) == (
        1,
        [f"restore: '../escaped': a path outside the data folder; this archive is not a safe backup; {target} was "
         "left as it was"],
    )  # fmt: skip
    assert not (tmp_path / "escaped").exists()

    # Every refusal left the folder as it was: empty, and nothing beside it; the right key then restores.
    assert list(target.iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "busy", "data", "hostile.tar", "nightly.tar", "tampered.tar", "target",
    ]  # fmt: skip
    code, lines = await restore(BOT_SECRET_KEY=KEY_A)
    assert code == 0 and (target / "bot.sqlite3").is_file(), lines
