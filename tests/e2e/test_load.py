"""End to end under load: many people at once, the real bot process against the simulator."""

from __future__ import annotations

import asyncio

from bot.simulator import SimUser
from tests.support.process import START_TIMEOUT, stop

PEOPLE = 150
AT_ONCE = 50
VISIT = ("/start", "tap:Иә, қазір қауіпсізбін", "tap:Полиция: не күтуге болады", "/sos")
EXPECTED = ("Қазір сіз қауіпсізсіз бе?", "Басты мәзір", "Полиция: не күтуге болады", "102")


async def test_fifty_people_at_once_each_get_every_answer_in_order_and_nothing_fails(sim, start_bot, bot_log):
    """Different people's updates are handled side by side; none of them may see an error or wait for
    nothing (this once failed: a database query disturbed by another person's)."""
    probe = sim.add_user(first_name="Probe", language_code="kk")
    people = [sim.add_user(first_name=f"P{n}", language_code="kk") for n in range(PEOPLE)]
    # Not Telegram's 30 messages a second here: the point is many handlers running at the same time.
    env = {"BOT_LOG_LEVEL": "INFO", "BOT_MESSAGES_PER_SECOND": "1000"}
    process = await start_bot(**env)
    await probe.send_text("/start")
    await probe.wait_reply(timeout=START_TIMEOUT)
    seen: dict[int, list[str]] = {}
    at_once = asyncio.Semaphore(AT_ONCE)

    async def visit(person: SimUser) -> None:
        async with at_once:
            for action in VISIT:
                if action.startswith("tap:"):
                    await person.press(action[4:])
                else:
                    await person.send_text(action)
                seen.setdefault(person.id, []).append((await person.wait_reply(timeout=30)).text or "")

    await asyncio.gather(*(visit(person) for person in people))
    assert await stop(process) == 0

    for person in people:
        answers = seen[person.id]
        assert len(answers) == len(VISIT)
        for answer, expected in zip(answers, EXPECTED, strict=True):
            assert expected in answer, (person.first_name, answers)
    log = bot_log.read_text(encoding="utf-8")
    assert "update failed" not in log and "ERROR" not in log
