"""The advocates' desk in the end-to-end tests: the simulator's forum supergroup with an advocate in it, the
bot's settings for it (always open, the group's message limit raised), and her way to an open case."""

from __future__ import annotations

from bot.simulator import SimGroup, SimMessage, Simulator, SimUser
from tests.support.process import START_TIMEOUT

ALWAYS_OPEN = {
    "BOT_WORK_HOURS": "00:00-24:00",
    "BOT_WORK_DAYS": "mon-sun",
    "BOT_WIPE_CHECK_SECONDS": "1",
    # Telegram's 20 a minute per group would make these tests take minutes; the limit itself is PTB's.
    "BOT_GROUP_MESSAGES_PER_MINUTE": "600",
}


def desk_env(group: SimGroup) -> dict[str, str]:
    return {**ALWAYS_OPEN, "BOT_ADVOCATE_CHAT_ID": str(group.id)}


def advocates_group(sim: Simulator) -> tuple[SimGroup, SimUser]:
    """The advocates' forum supergroup, with Saule, an advocate who writes in Russian, in it."""
    group = sim.add_forum_group("Advocates")
    advocate = sim.add_user(first_name="Saule", language_code="ru")
    group.add_member(advocate)
    return group, advocate


async def open_case(she: SimUser) -> SimMessage:
    """Through the menu, the consent screen and the three optional questions, in Kazakh."""
    await she.send_text("/menu")
    await she.wait_reply(timeout=START_TIMEOUT)
    await she.press("💬 Адаммен сөйлесу")
    await she.wait_reply()
    await she.press("Иә, жалғастыру")
    await she.wait_reply()
    await she.press("Жоқ")  # not safe right now: the case is urgent
    await she.wait_reply()
    await she.press("Заңгерлік")
    await she.wait_reply()
    await she.press("Өткізіп жіберу")
    return await she.wait_reply()


def topic_texts(group: SimGroup, thread_id: int) -> list[str]:
    return [m.text or m.caption or "" for m in group.messages(thread_id=thread_id) if not m.is_service]


async def only_topic(sim: Simulator, group: SimGroup) -> int:
    await sim.wait_until(lambda: [t for t in group.topics.values() if not t.deleted], timeout=10)
    (thread_id,) = [t.thread_id for t in group.topics.values() if not t.deleted]
    return thread_id
