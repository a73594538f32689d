"""End to end: the real bot process, the simulator's forum supergroup, a survivor and an advocate."""

from __future__ import annotations

import asyncio
import contextlib
import io
import secrets
import sqlite3

from PIL import Image

from bot.config import SECRET_KEY_FILE
from bot.privacy import Pseudonymizer
from bot.simulator import Fault, SimMessage, make_png
from tests.support.desk import advocates_group, desk_env, only_topic, open_case, topic_texts
from tests.support.images import photo_with_location
from tests.support.process import START_TIMEOUT, stop


async def test_a_case_opens_a_topic_without_her_identity_and_relays_both_ways(sim, start_bot, data_dir, bot_log):
    group, advocate = advocates_group(sim)
    she = sim.add_user(first_name="Aigerim", username="aigerim_k", language_code="kk")
    process = await start_bot(**desk_env(group))
    opened = await open_case(she)
    assert "Өтінішіңіз ашылды" in opened.text and "102" in opened.text
    code = opened.text.split("— ")[1][:4]

    await she.send_text("Сәлем, маған көмек керек")
    await she.send_photo(make_png(), caption="ісік")
    await she.send_album([make_png(), make_png(), make_png()], caption="альбом")
    thread_id = await only_topic(sim, group)

    def album_in_topic() -> list[SimMessage]:
        return [m for m in group.messages(thread_id=thread_id) if m.media_group_id]

    # Wait for the album itself (its parts wait ALBUM_WAIT seconds to go together), not for a time.
    try:
        await sim.wait_until(lambda: len(album_in_topic()) >= 3, timeout=30)
    except TimeoutError:
        raise AssertionError([str(m) for m in group.messages(thread_id=thread_id)]) from None
    album = album_in_topic()
    assert len(album) == 3 and len({m.media_group_id for m in album}) == 1  # the album stays together
    assert album[0].caption == "альбом"
    assert len(sim.calls_to("copyMessages")) == 1

    topic = group.topics[thread_id]
    card = next(m for m in group.messages(thread_id=thread_id) if m.buttons)
    assert topic.name == f"#{code} · kk · срочно"
    for secret in ("Aigerim", "aigerim_k", str(she.id)):
        assert secret not in topic.name and secret not in card.text
    assert "Помощь: Юридическая" in card.text and "В безопасности: Нет" in card.text
    relayed = [m for m in group.messages(thread_id=thread_id) if m.text == "Сәлем, маған көмек керек"]
    assert len(relayed) == 1 and relayed[0].from_bot and relayed[0].forward_origin is None
    assert not sim.calls_to("forwardMessage")

    await advocate.press("Взять", message=card, chat=group)
    await sim.wait_until(lambda: "Ведёт: Saule" in group.messages(thread_id=thread_id)[1].text, timeout=5)
    await advocate.send_text("! внутренняя заметка", chat=group, thread_id=thread_id)
    # A reply to her relayed message arrives as a reply to her own message.
    her_first = next(m for m in she.messages if m.text == "Сәлем, маған көмек керек")
    await advocate.send_text(
        "Здравствуйте, я консультант.", chat=group, thread_id=thread_id, reply_to=relayed[0].message_id
    )

    # Discreet mode (the default): a neutral notice first, the reply when she taps Show.
    notice = await she.wait_reply(timeout=10)
    assert notice.text == "Сізге жаңа хабарлама келді." and notice.disable_notification
    await she.press("Көрсету")
    shown = await she.wait_reply(timeout=10)
    assert shown.text == "Здравствуйте, я консультант." and shown.protect_content
    assert shown.reply_to_message_id == her_first.message_id
    await asyncio.sleep(0.5)
    texts = [m.text for m in she.messages]
    assert "! внутренняя заметка" not in texts and "Сізге жаңа хабарлама келді." not in texts

    # A canned reply, labelled in Russian for the advocate, reaches her in Kazakh.
    await advocate.send_text("/canned", chat=group, thread_id=thread_id)
    chooser = await advocate.wait_reply(chat=group, thread_id=thread_id)
    assert chooser.text.startswith("Готовые ответы")
    await advocate.press(next(t for t in chooser.button_texts() if t.startswith("Бесплатно")), chat=group)
    await she.wait_reply(timeout=10)
    await she.press("Көрсету")
    canned = await she.wait_reply(timeout=10)
    assert canned.text.startswith("Заңгермен тегін сөйлесу үшін 111")
    assert await stop(process) == 0

    with sqlite3.connect(data_dir / "bot.sqlite3") as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["open", "claim"]
    log = bot_log.read_text(encoding="utf-8")
    assert "Сәлем" not in log and "Aigerim" not in log and str(she.id) not in log


async def test_nothing_is_lost_or_doubled_through_429_5xx_and_a_sigkill(sim, start_bot):
    group, advocate = advocates_group(sim)
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_bot(**desk_env(group))
    await open_case(she)
    await she.send_text("first")
    thread_id = await only_topic(sim, group)
    await sim.wait_until(lambda: "first" in topic_texts(group, thread_id), timeout=10)
    # The next relay waits on a 429: kill the bot in the middle of it, with messages still queued.
    sim.faults.add(Fault(method="copyMessage", status=429, retry_after=5))
    for n in range(1, 6):
        await she.send_text(f"part one {n}")
    await sim.wait_until(lambda: any(c.status == 429 for c in sim.calls_to("copyMessage")), timeout=10)
    process.kill()
    await process.wait()

    sim.faults.add(Fault(method="copyMessage", status=500, times=2))
    sim.faults.add(Fault(method="copyMessage", status=502))
    process = await start_bot(**desk_env(group))
    for n in range(1, 6):
        await she.send_text(f"part two {n}")
    for n in range(1, 4):
        await advocate.send_text(f"answer {n}", chat=group, thread_id=thread_id)
    expected = ["first"] + [f"part one {n}" for n in range(1, 6)] + [f"part two {n}" for n in range(1, 6)]
    try:
        await sim.wait_until(lambda: all(t in topic_texts(group, thread_id) for t in expected), timeout=40)
    except TimeoutError:
        raise AssertionError(f"topic has {topic_texts(group, thread_id)}") from None
    # Her side: three notices, each shown once.
    await sim.wait_until(lambda: len([m for m in she.messages if m.button_texts() == ["Көрсету"]]) == 3, 20)
    notice = next(m for m in she.messages if m.button_texts() == ["Көрсету"])
    await she.press("Көрсету", message=notice)
    with contextlib.suppress(LookupError):  # a quick second tap on the same notice
        await she.press("Көрсету", message=notice)
    for notice in [m for m in she.messages if m.button_texts() == ["Көрсету"]][1:]:
        await she.press("Көрсету", message=notice)
    await sim.wait_until(lambda: len([m for m in she.messages if (m.text or "").startswith("answer")]) == 3, 20)
    await asyncio.sleep(1)
    topic = topic_texts(group, thread_id)
    for text in expected:
        assert topic.count(text) == 1, (text, topic)
    answers = sorted(m.text for m in she.messages if (m.text or "").startswith("answer"))
    assert answers == ["answer 1", "answer 2", "answer 3"]
    assert await stop(process) == 0


async def test_a_deleted_topic_is_recreated_and_a_block_is_reported(sim, start_bot):
    group, advocate = advocates_group(sim)
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_bot(**desk_env(group))
    await open_case(she)
    await she.send_text("before")
    old_thread = await only_topic(sim, group)
    await sim.wait_until(lambda: "before" in topic_texts(group, old_thread), timeout=10)

    group.delete_topic(old_thread)
    await she.send_text("after the topic was deleted")
    new_thread = await only_topic(sim, group)
    assert new_thread != old_thread
    await sim.wait_until(lambda: "after the topic was deleted" in topic_texts(group, new_thread), timeout=10)
    texts = topic_texts(group, new_thread)
    assert any(text.startswith("Обращение #") for text in texts)  # a fresh card
    assert "Тема была удалена и создана заново." in " ".join(texts)

    she.block_bot()
    await advocate.send_text("are you there?", chat=group, thread_id=new_thread)
    blocked = "Бот заблокирован обратившимся человеком: ответы не доходят. Повторных попыток не будет."
    await sim.wait_until(lambda: blocked in topic_texts(group, new_thread), timeout=10)
    assert await stop(process) == 0


async def test_strangers_groups_are_ignored_and_a_broken_desk_offers_the_hotlines(sim, start_bot, bot_log, caplog):
    desk = sim.add_forum_group("Advocates", can_manage_topics=False)  # misconfigured
    stranger_group = sim.add_forum_group("Someone else's group")
    stranger = sim.add_user(first_name="Stranger", language_code="ru")
    stranger_group.add_member(stranger)
    she = sim.add_user(first_name="Aigerim", language_code="en")
    process = await start_bot(**desk_env(desk))
    await she.send_text("/menu")
    await she.wait_reply(timeout=START_TIMEOUT)
    await she.press("💬 Talk to a person")
    await she.wait_reply()
    await she.press("Yes, continue")
    screen = await she.wait_reply()
    assert "Right now we cannot pass your message to an advocate." in screen.text
    assert "111" in screen.text and "150" in screen.text

    await stranger.send_text("/claim", chat=stranger_group)
    await stranger.send_text("hello bot", chat=stranger_group)
    await asyncio.sleep(1.0)
    assert [m for m in stranger_group.messages() if m.from_bot and not m.is_service] == []
    assert await stop(process) == 0
    text = bot_log.read_text(encoding="utf-8")
    assert "handoff disabled: BOT_ADVOCATE_CHAT_ID: the bot lacks the right to manage topics" in text


async def test_forget_erases_the_case_and_tells_the_advocates_only_that(sim, start_bot, data_dir):
    """Issue 13, item 10, and issue 14: her case's rows go at once, not at the retention purge; her topic is
    deleted from the group (her words with it) and the general topic gets one line, that case #CODE was erased;
    the audit log keeps one line; nothing of her (pseudonym, words) is left in any file of the data folder."""
    group = sim.add_forum_group("Advocates")
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_bot(**desk_env(group))
    opened = await open_case(she)
    code = opened.text.split("— ")[1][:4]
    words = "my husband took the car keys " + secrets.token_hex(4)
    await she.send_text(words)
    thread_id = await only_topic(sim, group)
    await sim.wait_until(lambda: words in topic_texts(group, thread_id), timeout=10)
    await she.send_text("/forget")
    await she.wait_reply()
    await she.press("Әрі қарай")  # the second, explicit confirmation
    await she.wait_reply()
    await she.press("Иә, бәрін біржола жою")
    await sim.wait_until(lambda: group.topics[thread_id].deleted, timeout=10)
    erased = f"Обращение #{code} удалено по просьбе обратившегося человека: его тема и все сообщения в ней удалены."
    await sim.wait_until(lambda: erased in [m.text for m in group.messages() if m.thread_id is None], timeout=10)
    assert all(words not in (m.text or "") for m in group.messages())  # her words left the group
    assert group.messages(thread_id=thread_id) == []
    assert await stop(process) == 0

    with contextlib.closing(sqlite3.connect(data_dir / "bot.sqlite3")) as db:
        for table in ("cases", "outbox", "message_pairs", "erased_topics", "users", "chat_messages"):
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
        assert db.execute("SELECT case_code, actor, action FROM audit_log").fetchall() == [(code, None, "erase")]
    secret = (data_dir / SECRET_KEY_FILE).read_text(encoding="ascii").strip().encode("ascii")
    pseudonym = Pseudonymizer(secret).user_key(she.id).encode()
    holding = [
        path.name
        for path in data_dir.rglob("*")
        if path.is_file() and any(needle in path.read_bytes() for needle in (pseudonym, words.encode()))
    ]
    assert holding == []


async def test_a_pin_typed_right_after_a_restart_never_reaches_the_advocates(sim, start_bot):
    """She has an open case and is at the journal's PIN prompt when the bot restarts. The journal's place is
    gone with the process: what she types next must not be relayed into her topic."""
    group, _advocate = advocates_group(sim)
    she = sim.add_user(first_name="Dana", language_code="en")
    process = await start_bot(**desk_env(group))
    await she.send_text("/menu")
    await she.wait_reply(timeout=START_TIMEOUT)
    for button in ("💬 Talk to a person", "Yes, continue", "Skip", "Skip", "Skip"):
        await she.press(button)
        await she.wait_reply()
    await she.send_text("first message")
    thread_id = await only_topic(sim, group)
    await sim.wait_until(lambda: "first message" in topic_texts(group, thread_id), timeout=10)
    await she.send_text("/journal")
    await she.wait_reply()
    await she.press("Set a PIN")
    assert "PIN" in (await she.wait_reply()).text
    await she.send_text("246813")
    await she.wait_reply()  # "type the same PIN again"
    process.kill()
    await process.wait()

    process = await start_bot(**desk_env(group))
    pin = await she.send_text("246813")
    notice = await she.wait_reply(timeout=START_TIMEOUT)
    assert "lost your place in the journal" in notice.text
    await sim.wait_until(lambda: pin.message_id not in [m.message_id for m in she.messages], timeout=10)
    await she.press("☰ Menu")  # as the notice says: then her message goes to the advocate again
    await she.wait_reply()
    await she.send_text("second message")
    try:
        await sim.wait_until(lambda: "second message" in topic_texts(group, thread_id), timeout=10)
    except TimeoutError:
        raise AssertionError([str(m) for m in she.messages[-4:]] + topic_texts(group, thread_id)) from None
    assert await stop(process) == 0
    assert not any("246813" in text for text in topic_texts(group, thread_id))


async def test_a_photo_sent_as_a_file_reaches_the_advocates_without_its_location_or_its_name(
    sim, start_bot, data_dir, bot_log
):
    """Security review, item 1: Telegram strips a photo's metadata, not a file's. A photo she sends as a file
    reaches the topic redrawn from its pixels, under a neutral name, with her caption; other files as they are."""
    place = "SECRET-STREET-" + secrets.token_hex(3)
    original = photo_with_location(place, size=(90, 60))
    group, _advocate = advocates_group(sim)
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_bot(**desk_env(group))
    await open_case(she)
    name = f"IMG_20261201_{place}.jpg"
    await she.send_document(original, filename=name, caption="бұл менің үйім")
    await she.send_document(b"%PDF-1.4 a report", filename="report.pdf")
    thread_id = await only_topic(sim, group)

    def files_in_topic() -> list[SimMessage]:
        return [m for m in group.messages(thread_id=thread_id) if m.media == "document"]

    await sim.wait_until(lambda: len(files_in_topic()) == 2, timeout=15)
    photo, report = files_in_topic()
    assert photo.raw["document"]["file_name"] == "photo.jpg" and place not in str(photo.raw)
    assert photo.caption == "бұл менің үйім"
    relayed = sim.world.files[photo.file_ids[0]].data
    assert place.encode() not in relayed and b"Exif" not in relayed
    with Image.open(io.BytesIO(relayed)) as image:
        assert not image.getexif() and image.size == (60, 90)  # upright, as the camera meant it
    assert report.raw["document"]["file_name"] == "report.pdf"  # copied as it is (the consent screen says so)
    assert len(sim.calls_to("copyMessage")) == 1 and len(sim.calls_to("sendDocument")) == 1
    assert await stop(process) == 0

    with contextlib.closing(sqlite3.connect(data_dir / "bot.sqlite3")) as db:
        assert db.execute("SELECT COUNT(*) FROM outbox WHERE file_ref IS NOT NULL").fetchone()[0] == 0
    assert place not in bot_log.read_text(encoding="utf-8")
