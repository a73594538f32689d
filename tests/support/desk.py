"""The advocates' desk in the end-to-end tests: the simulator's forum supergroup with an advocate in it, the
bot's settings for it (always open, the group's message limit raised), and her way to an open case."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from bot.handoff.desks import DeskBook, shorthand
from bot.simulator import SimGroup, SimMessage, Simulator, SimUser
from bot.telegram.desk import Desks
from bot.timezone import ALMATY
from tests.support.process import START_TIMEOUT

GROUP = -1001234567890  # the advocates' group of the handler tests (no Telegram behind it)

ALWAYS_OPEN = {
    "BOT_WORK_HOURS": "00:00-24:00",
    "BOT_WORK_DAYS": "mon-sun",
    "BOT_WIPE_CHECK_SECONDS": "1",
    # Telegram's 20 a minute per group would make these tests take minutes; the limit itself is PTB's.
    "BOT_GROUP_MESSAGES_PER_MINUTE": "600",
}


def use_desks(desks: Desks, book: DeskBook | None = None) -> DeskBook:
    """Handler tests: these desks (by default the shorthand's one group, GROUP), taken as usable without asking
    Telegram about their groups — the recording request knows no groups; the checks have tests of their own."""
    book = book or shorthand(GROUP, "00:00-24:00", "mon-sun", "ru")
    desks.services.desks.book = book
    desks._usable = {desk.id: desk.chat_id for desk in book}
    desks._checked_book = book
    return book


def desk(desk_id: str, group: SimGroup, advocates: list[SimUser], **fields: Any) -> dict[str, Any]:
    """One desk of a desks file: always open, in every language, national unless `regions` says otherwise."""
    return {
        "id": desk_id,
        "name": group.title,
        "chat_id": group.id,
        "regions": ["*"],
        "languages": ["ru", "kk", "en"],
        "hours": "00:00-24:00",
        "days": "mon-sun",
        "advocates": [advocate.id for advocate in advocates],
        "coordinators": [advocates[0].id],
        **fields,
    }


def desks_env(path: Path, *desks: dict[str, Any]) -> dict[str, str]:
    """The bot's settings for these desks, written as the desks file at `path` (JSON is YAML too)."""
    path.write_text(json.dumps({"desks": list(desks)}, ensure_ascii=False, indent=2), encoding="utf-8")
    return {key: value for key, value in ALWAYS_OPEN.items() if not key.startswith("BOT_WORK_")} | {
        "BOT_DESKS_FILE": str(path)
    }


def closed_today() -> str:
    """Working days that leave out today in Kazakhstan (and the days around it, so midnight cannot matter)."""
    today = dt.datetime.now(ALMATY).weekday()
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(today + 3) % 7]


def desk_env(group: SimGroup) -> dict[str, str]:
    return {**ALWAYS_OPEN, "BOT_ADVOCATE_CHAT_ID": str(group.id)}


def advocates_group(sim: Simulator) -> tuple[SimGroup, SimUser]:
    """The advocates' forum supergroup, with Saule, an advocate who writes in Russian, in it."""
    group = sim.add_forum_group("Advocates")
    advocate = sim.add_user(first_name="Saule", language_code="ru")
    group.add_member(advocate)
    return group, advocate


async def open_case(she: SimUser, region: str | None = None) -> SimMessage:
    """Through the menu, the consent screen and the optional questions, in Kazakh; `region`: the button she
    presses when she is asked her region (asked only when a desk covers regions of its own)."""
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
    reply = await she.wait_reply()
    if region is not None:
        await she.press(region, message=reply)
        reply = await she.wait_reply()
    return reply


def topic_texts(group: SimGroup, thread_id: int) -> list[str]:
    return [m.text or m.caption or "" for m in group.messages(thread_id=thread_id) if not m.is_service]


async def only_topic(sim: Simulator, group: SimGroup) -> int:
    await sim.wait_until(lambda: [t for t in group.topics.values() if not t.deleted], timeout=10)
    (thread_id,) = [t.thread_id for t in group.topics.values() if not t.deleted]
    return thread_id
