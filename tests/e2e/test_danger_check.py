"""End to end, the real bot process against the simulator: the danger check walked from the main menu, a result
that names strangulation with the doctor and 102, nothing of it on disk or in the log until she saves it in her
journal (encrypted), and Exit leaving one neutral line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.chatting import step
from tests.support.process import START_TIMEOUT, stop

# How the bot writes what she marked (the question, the result, the journal entry), in Russian.
HER_ANSWER_WORDS = ("душили", "сдавливали", "choking")


def files_containing(folder: Path, *needles: str) -> list[str]:
    return [
        str(path.relative_to(folder))
        for path in sorted(folder.rglob("*"))
        if path.is_file() and any(needle.encode() in path.read_bytes() for needle in needles)
    ]


async def test_the_danger_check_from_the_menu_shows_what_to_do_and_keeps_nothing_unless_saved(
    sim, start_bot, data_dir, bot_log
):
    she = sim.add_user(first_name="Dana", language_code="ru")
    process = await start_bot()
    await she.send_text("/menu")
    await she.wait_reply(timeout=START_TIMEOUT)
    await step(she, "⚠ Признаки опасности")
    intro = await step(she, "☑ Проверить свою ситуацию")
    assert "Ответы нигде не записываются" in intro.text
    question = await step(she, "Начать")
    assert "Вопрос 1 из 8" in question.text and "душили" in question.text
    assert question.message_id != intro.message_id  # the check's own message, protected from forwarding
    assert question.button_texts() == ["Да", "Нет", "Пропустить", "☰ Меню", "🆘 SOS", "✖ Выход"]
    await step(she, "Да")
    for _ in range(7):
        result = await step(she, "Нет")
    assert "Вас душили или сдавливали шею" in result.text
    assert "Покажитесь врачу" in result.text and "102" in result.text
    assert "низкий риск" not in result.text.lower()
    assert result.message_id == question.message_id  # edited in place, question by question

    # Nothing of her answers has left the bot's memory: not the database, its WAL, the log.
    assert files_containing(data_dir, *HER_ANSWER_WORDS) == []
    assert not any(word in bot_log.read_text(encoding="utf-8") for word in HER_ANSWER_WORDS)

    offer = await step(she, "📓 Сохранить в дневник")
    assert "Без PIN-кода" in offer.button_texts()  # no journal yet: the journal's own creation first
    saved = await step(she, "Без PIN-кода")
    assert "Результат сохранён в дневнике: запись №1" in saved.text
    with sqlite3.connect(data_dir / "bot.sqlite3") as database:
        assert database.execute("SELECT COUNT(*) FROM journal_entries").fetchone() == (1,)
    assert files_containing(data_dir, *HER_ANSWER_WORDS) == []  # the entry is encrypted

    await she.press("✖ Выход")
    await sim.wait_until(lambda: [m.text for m in she.messages] == ["Хорошего дня!"], timeout=10)
    assert await stop(process) == 0
