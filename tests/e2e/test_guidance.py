"""End to end, the real bot process against the simulator: guidance, /sos, exit & wipe, automatic wipe,
stale buttons after a content change, and /forget."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from tests.support.content_tree import replace_in, write_tree
from tests.support.process import START_TIMEOUT, stop


async def test_a_kazakh_speaker_reaches_what_the_police_must_do_in_two_taps_from_the_menu(sim, start_bot):
    user = sim.add_user(first_name="Aruzhan", language_code="kk")
    process = await start_bot()
    await user.send_text("/menu")
    assert "Басты мәзір" in (await user.wait_reply(timeout=START_TIMEOUT)).text
    await user.press("Полиция: не күтуге болады")
    await user.wait_reply()
    await user.press("Полиция не істеуге міндетті")
    screen = await user.wait_reply()
    assert "185" in screen.text  # УПК 185(1): the report must be accepted and registered
    assert "Дереккөздер" in screen.text and "Тексерілген күні" in screen.text
    assert {"« Артқа", "☰ Мәзір", "🆘 SOS", "✖ Шығу"} <= set(screen.button_texts())
    assert await stop(process) == 0


async def test_sos_in_the_middle_of_a_flow_shows_102_and_112_first(sim, start_bot):
    user = sim.add_user(first_name="Dana", language_code="ru")
    process = await start_bot()
    await user.send_text("/menu")
    await user.wait_reply(timeout=START_TIMEOUT)
    await user.press("Мои права по закону")
    await user.wait_reply()
    await user.send_text("/sos")
    emergency = await user.wait_reply()
    assert emergency.message_id == user.messages[-1].message_id  # a new message, at the bottom
    assert re.findall(r"\b1\d\d\b", emergency.text)[:2] == ["102", "112"]
    assert await stop(process) == 0


async def test_exit_leaves_only_one_neutral_line(sim, start_bot):
    user = sim.add_user(first_name="Aida", language_code="en")
    process = await start_bot()
    await user.send_text("/start")
    await user.wait_reply(timeout=START_TIMEOUT)
    await user.press("Yes, I am safe for now")
    await user.wait_reply()
    await user.send_text("he took my passport")
    await user.wait_reply()
    await user.send_text("/sos")
    await user.wait_reply()
    assert len(user.messages) >= 5

    await user.press("✖ Exit")
    await sim.wait_until(lambda: [m.text for m in user.messages] == ["Have a nice day!"], timeout=10)
    (neutral,) = user.messages
    assert neutral.from_bot and neutral.buttons == []
    assert await stop(process) == 0


async def test_the_automatic_wipe_empties_the_chat_after_the_configured_time(sim, start_bot):
    user = sim.add_user(first_name="Aida", language_code="kk")
    process = await start_bot(BOT_AUTO_WIPE_SECONDS="2", BOT_WIPE_CHECK_SECONDS="1")
    await user.send_text("/start")
    await user.wait_reply(timeout=START_TIMEOUT)
    assert len(user.messages) == 2
    await sim.wait_until(lambda: user.messages == [], timeout=15)
    assert sim.calls_to("deleteMessages")
    assert await stop(process) == 0


async def test_a_button_from_before_a_content_change_leads_kindly_to_the_menu(sim, start_bot, tmp_path):
    old_content = write_tree(tmp_path / "old")
    for language in ("ru", "kk", "en"):
        path = old_content / language / "main.yaml"
        path.write_text(path.read_text(encoding="utf-8") + f"\nextra:\n  text: Extra {language}\n", encoding="utf-8")
        replace_in(
            path,
            '{text: "Language", to: language}',
            '{text: "Language", to: language}\n    - {text: "Extra", to: extra}',
        )
    new_content = write_tree(tmp_path / "new")  # the same tree without the "extra" screen
    user = sim.add_user(first_name="Aida", language_code="en")
    process = await start_bot(BOT_CONTENT_DIR=str(old_content))
    await user.send_text("/menu")
    old_menu = await user.wait_reply(timeout=START_TIMEOUT)
    assert "Extra" in old_menu.button_texts()
    assert await stop(process) == 0
    process = await start_bot(BOT_CONTENT_DIR=str(new_content))
    query = await user.press("Extra", message=old_menu)
    answer = await query.wait_answer(timeout=START_TIMEOUT)
    assert answer.get("text") == "Old button"
    menu = await user.wait_reply()
    assert "Menu en" in menu.text and "Extra" not in menu.button_texts()
    assert await stop(process) == 0


async def test_forget_removes_every_row_about_the_user(sim, start_bot, data_dir):
    user = sim.add_user(first_name="Aida", language_code="ru")
    process = await start_bot()
    await user.send_text("/menu")
    await user.wait_reply(timeout=START_TIMEOUT)
    await user.press("План безопасности")
    await user.wait_reply()
    await user.press("Если я решу уйти")
    checklist = await user.wait_reply()
    await user.press(checklist.button_texts()[0])
    await user.wait_reply()
    # Her tick is on disk once its update is confirmed to Telegram (group commit: its answer may come first).
    await sim.wait_until(lambda: not sim.pending_updates, timeout=10)
    counts = _row_counts(data_dir / "bot.sqlite3")
    assert counts["users"] == 1 and counts["checklist_ticks"] == 1 and counts["chat_messages"] > 0

    await user.send_text("/forget")
    await user.wait_reply()
    await user.press("Дальше")  # the second, explicit confirmation
    await user.wait_reply()
    await user.press("Да, удалить всё навсегда")
    await sim.wait_until(lambda: [m.text for m in user.messages] == ["Хорошего дня!"], timeout=10)
    assert await stop(process) == 0
    assert _row_counts(data_dir / "bot.sqlite3") == {
        "users": 0,
        "chat_messages": 0,
        "wipe_schedule": 0,
        "checklist_ticks": 0,
    }


def _row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {
            table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("users", "chat_messages", "wipe_schedule", "checklist_ticks")
        }


async def test_sighup_reloads_content_and_refuses_broken_content(sim, start_bot, bot_log, tmp_path):
    import shutil
    import signal

    from bot.config import DEFAULT_CONTENT_DIR

    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    user = sim.add_user(first_name="Aida", language_code="en")
    process = await start_bot(BOT_CONTENT_DIR=str(content))
    await user.send_text("/menu")
    assert "Choose a topic." in (await user.wait_reply(timeout=START_TIMEOUT)).text

    replace_in(content / "en" / "menu.yaml", "Choose a topic.", "Choose what you need.")
    process.send_signal(signal.SIGHUP)
    await sim.wait_until(lambda: "content reloaded" in bot_log.read_text(encoding="utf-8"), timeout=10)
    await user.send_text("/menu")
    assert "Choose what you need." in (await user.wait_reply()).text

    replace_in(content / "en" / "menu.yaml", "to: police}", "to: polise}")
    process.send_signal(signal.SIGHUP)
    await sim.wait_until(lambda: "content reload refused" in bot_log.read_text(encoding="utf-8"), timeout=10)
    await user.send_text("/menu")
    still = await user.wait_reply()
    assert "Choose what you need." in still.text and "The police: what to expect" in still.button_texts()
    assert await stop(process) == 0
    text = bot_log.read_text(encoding="utf-8")
    assert "en/menu.yaml:" in text and 'opens screen "polise", which does not exist' in text
