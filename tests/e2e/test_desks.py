"""End to end: advocates' desks (issue 14) — the real `python -m bot run`, the simulator, two forum groups."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sqlite3
import sys
from dataclasses import dataclass

from bot.simulator import SimGroup, SimUser
from tests.support.desk import closed_today, desk, desks_env, only_topic, open_case, topic_texts
from tests.support.process import START_TIMEOUT, environment_without_bot_settings, stop

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


async def test_a_group_member_not_on_the_desk_cannot_relay_claim_or_close(sim, start_bot, tmp_path, data_dir):
    group = sim.add_forum_group("National line")
    saule = sim.add_user(first_name="Saule", language_code="ru")
    stranger = sim.add_user(first_name="Erlan", language_code="ru")  # in the group, not on the desk
    group.add_member(saule)
    group.add_member(stranger)
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_bot(**desks_env(tmp_path / "desks.yaml", desk("national", group, [saule])))
    await open_case(she)
    thread_id = await only_topic(sim, group)
    card = await sim.wait_until(lambda: next((m for m in group.messages(thread_id=thread_id) if m.buttons), None))

    await stranger.send_text("hello from someone not on the desk", chat=group, thread_id=thread_id)
    told = await stranger.wait_reply(chat=group, thread_id=thread_id)
    assert told.text.startswith("Вас нет в списке консультантов этой группы")
    await stranger.send_text("and again", chat=group, thread_id=thread_id)
    await stranger.send_text("/close", chat=group, thread_id=thread_id)
    await stranger.send_text("/transfer elsewhere", chat=group, thread_id=thread_id)
    refused = await stranger.wait_reply(chat=group, thread_id=thread_id)
    assert refused.text == "Передавать обращения могут только координаторы этой группы."
    pressed = await stranger.press("Взять", message=card, chat=group)
    answer = await pressed.wait_answer()
    assert answer["text"] == "Это могут делать только консультанты из списка этой группы."
    await saule.send_text("Здравствуйте, я консультант.", chat=group, thread_id=thread_id)
    notice = await she.wait_reply(timeout=10)  # only the advocate's message reaches her
    await she.press("Көрсету", message=notice)
    shown = await she.wait_reply(timeout=10)
    assert shown.text == "Здравствуйте, я консультант."
    await asyncio.sleep(1)
    assert [m.text for m in she.messages if m.from_bot and "stranger" in (m.text or "")] == []
    assert len([m for m in she.messages if m.button_texts() == ["Көрсету"]]) <= 1
    assert topic_texts(group, thread_id).count(told.text) == 1  # told once
    card_now = next(m for m in group.messages(thread_id=thread_id) if m.message_id == card.message_id)
    assert "Статус: открыто" in card_now.text and "Ведёт: никто" in card_now.text
    assert await stop(process) == 0

    with contextlib.closing(sqlite3.connect(data_dir / "bot.sqlite3")) as db:
        lines = db.execute("SELECT actor, action, desk_id FROM audit_log ORDER BY id").fetchall()
    assert lines == [(None, "open", "national")]  # the stranger's /close and Claim left no trace


async def test_a_desk_whose_group_is_public_is_refused_and_survivors_go_elsewhere(sim, start_bot, tmp_path, bot_log):
    public = sim.add_forum_group("Almaty crisis centre", username="almaty_help_public")
    national = sim.add_forum_group("National line")
    saule, dana = sim.add_user(first_name="Saule"), sim.add_user(first_name="Dana")
    public.add_member(saule)
    national.add_member(dana)
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    env = desks_env(
        tmp_path / "desks.yaml",
        desk("almaty", public, [saule], regions=["KZ-75"]),
        desk("national", national, [dana]),
    )
    process = await start_bot(**env)
    opened = await open_case(she)
    assert "National line" in opened.text and "Almaty" not in opened.text
    await she.send_text("сәлем")
    thread_id = await only_topic(sim, national)
    await sim.wait_until(lambda: "сәлем" in topic_texts(national, thread_id), timeout=10)
    assert [m for m in public.messages() if m.from_bot and not m.is_service] == []
    assert await stop(process) == 0
    log = bot_log.read_text(encoding="utf-8")
    assert "desk left out: BOT_DESKS_FILE desk almaty: the group is public (it has a username); make it private" in log
    assert "almaty_help_public" not in log


@dataclass
class TwoDesks:
    almaty: SimGroup
    national: SimGroup
    saule: SimUser  # the Almaty centre's advocate and coordinator
    dana: SimUser  # the national line's
    env: dict[str, str]


def two_desks(sim, tmp_path, almaty_days="mon-sun") -> TwoDesks:
    """The Almaty crisis centre (Almaty and Almaty region, ru/kk) and the national line, each in its forum group."""
    almaty, national = sim.add_forum_group("Almaty crisis centre"), sim.add_forum_group("National line")
    saule, dana = sim.add_user(first_name="Saule"), sim.add_user(first_name="Dana")
    almaty.add_member(saule)
    national.add_member(dana)
    env = desks_env(
        tmp_path / "desks.yaml",
        desk("almaty", almaty, [saule], regions=["KZ-75", "KZ-19"], languages=["ru", "kk"], days=almaty_days),
        desk("national", national, [dana]),
    )
    return TwoDesks(almaty, national, saule, dana, env)


async def test_a_survivor_choosing_almaty_is_routed_to_the_almaty_desk_in_its_hours(sim, start_bot, tmp_path):
    desks = two_desks(sim, tmp_path)
    almaty, national = desks.almaty, desks.national
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_bot(**desks.env)
    opened = await open_case(she, region="Алматы қаласы")
    assert "Сізге жауап беретін ұйым: Almaty crisis centre." in opened.text
    assert "National line" not in opened.text and "Кеңесшілер қазір жұмыс істеп жатыр" in opened.text
    await she.send_text("сәлем")
    thread_id = await only_topic(sim, almaty)
    await sim.wait_until(lambda: "сәлем" in topic_texts(almaty, thread_id), timeout=10)
    card = next(m for m in almaty.messages(thread_id=thread_id) if m.buttons)
    assert "Регион: Алматы" in card.text
    assert not [t for t in national.topics.values() if not t.deleted]
    assert await stop(process) == 0


async def test_out_of_its_hours_she_goes_to_the_national_desk(sim, start_bot, tmp_path):
    desks = two_desks(sim, tmp_path, almaty_days=closed_today())
    almaty, national = desks.almaty, desks.national
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_bot(**desks.env)
    opened = await open_case(she, region="Алматы қаласы")
    assert "Сізге жауап беретін ұйым: National line." in opened.text and "Almaty" not in opened.text
    await she.send_text("сәлем")
    thread_id = await only_topic(sim, national)
    await sim.wait_until(lambda: "сәлем" in topic_texts(national, thread_id), timeout=10)
    assert not [t for t in almaty.topics.values() if not t.deleted]
    assert await stop(process) == 0


async def test_transfer_moves_the_case_with_its_messages_in_order(sim, start_bot, tmp_path, data_dir):
    desks = two_desks(sim, tmp_path)
    almaty, national, saule, dana = desks.almaty, desks.national, desks.saule, desks.dana
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_bot(**desks.env)
    await open_case(she, region="Алматы қаласы")
    await she.send_text("one")
    await she.send_text("two")
    old_thread = await only_topic(sim, almaty)
    await sim.wait_until(lambda: "two" in topic_texts(almaty, old_thread), timeout=10)
    await saule.send_text("answer one", chat=almaty, thread_id=old_thread)
    await she.wait_reply(timeout=10)  # the discreet notice: she has not opened it, and it moves all the same
    await she.send_text("three")
    await sim.wait_until(lambda: "three" in topic_texts(almaty, old_thread), timeout=10)

    await saule.send_text("/transfer national", chat=almaty, thread_id=old_thread)
    new_thread = await only_topic(sim, national)
    await she.send_text("four")  # after the transfer: it follows the copied conversation
    await sim.wait_until(lambda: "four" in topic_texts(national, new_thread), timeout=20)
    texts = topic_texts(national, new_thread)
    assert texts[0].startswith("Обращение #") and "Ведёт: никто" in texts[0]  # a fresh card, nobody holds it
    assert texts[1:] == [
        "Обращение передано сюда из: Almaty crisis centre. Ниже — переписка до передачи, по порядку.",
        "Сообщения обратившегося человека:",
        "one",
        "two",
        "Ответы консультантов (Almaty crisis centre):",
        "answer one",
        "Сообщения обратившегося человека:",
        "three",
        "four",
    ]
    assert almaty.topics[old_thread].is_closed
    assert topic_texts(almaty, old_thread)[-1].startswith("Обращение передано: National line.")
    assert all(m.from_bot and m.forward_origin is None for m in national.messages(thread_id=new_thread))

    await dana.send_text("Здравствуйте, это национальная линия.", chat=national, thread_id=new_thread)
    await sim.wait_until(lambda: len([m for m in she.messages if m.button_texts() == ["Көрсету"]]) == 2, 10)
    await she.press("Көрсету")
    assert (await she.wait_reply(timeout=10)).text == "Здравствуйте, это национальная линия."
    assert await stop(process) == 0

    with contextlib.closing(sqlite3.connect(data_dir / "bot.sqlite3")) as db:
        lines = db.execute("SELECT actor, action, desk_id FROM audit_log ORDER BY id").fetchall()
    assert lines == [(None, "open", "almaty"), (saule.id, "transfer", "almaty")]


async def test_forget_deletes_her_topics_at_every_desk_and_leaves_only_the_erased_line(
    sim, start_bot, tmp_path, data_dir
):
    desks = two_desks(sim, tmp_path)
    almaty, national, saule = desks.almaty, desks.national, desks.saule
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_bot(**desks.env)
    opened = await open_case(she, region="Алматы қаласы")
    code = opened.text.split("— ")[1][:4]
    words = "he took my passport " + secrets.token_hex(4)
    await she.send_text(words)
    old_thread = await only_topic(sim, almaty)
    await sim.wait_until(lambda: words in topic_texts(almaty, old_thread), timeout=10)
    await saule.send_text("/transfer national", chat=almaty, thread_id=old_thread)
    new_thread = await only_topic(sim, national)
    await sim.wait_until(lambda: words in topic_texts(national, new_thread), timeout=20)

    await she.send_text("/forget")
    await she.wait_reply()
    await she.press("Әрі қарай")
    await she.wait_reply()
    await she.press("Иә, бәрін біржола жою")
    erased = f"Обращение #{code} удалено по просьбе обратившегося человека: его тема и все сообщения в ней удалены."
    for group, thread_id in ((almaty, old_thread), (national, new_thread)):
        await sim.wait_until(lambda g=group, t=thread_id: g.topics[t].deleted, timeout=10)
        general = lambda g=group: [m.text or "" for m in g.messages() if m.thread_id is None and m.from_bot]  # noqa: E731
        await sim.wait_until(lambda g=general: erased in g(), timeout=10)
        assert all(words not in (m.text or "") for m in group.messages())
        assert [m for m in group.messages() if m.thread_id is not None] == []  # no topic of hers is left
        # The one line naming the case (the pinned queue drops it too).
        await sim.wait_until(lambda g=general: [t for t in g() if code in t] == [erased], timeout=10)
    assert await stop(process) == 0
    with contextlib.closing(sqlite3.connect(data_dir / "bot.sqlite3")) as db:
        for table in ("cases", "outbox", "message_pairs", "erased_topics", "former_topics"):
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
        assert db.execute("SELECT actor, action, desk_id FROM audit_log").fetchall() == [(None, "erase", "national")]
