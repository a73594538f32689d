"""End to end: an advocate's internal note stays in the case topic even when it is a photo with a caption;
a photo with an ordinary caption reaches her."""

from __future__ import annotations

from bot.simulator import make_png
from tests.support.desk import advocates_group, desk_env, only_topic, open_case, topic_texts
from tests.support.process import stop

NOTE = "!internal: bruises on the photo match what she described, tell the lawyer"
FOR_HER = "Это памятка: куда обращаться за медицинской справкой."


async def test_a_photo_note_stays_in_the_topic_and_a_photo_reply_reaches_her(sim, start_bot):
    group, advocate = advocates_group(sim)
    she = sim.add_user(first_name="Aigerim", language_code="kk")
    process = await start_bot(**desk_env(group))
    await open_case(she)
    await she.send_text("Сәлем")
    thread_id = await only_topic(sim, group)
    await sim.wait_until(lambda: "Сәлем" in topic_texts(group, thread_id), timeout=10)

    # The note first, then the reply: the relay keeps their order, so a relayed note would come first.
    await advocate.send_photo(make_png(), caption=NOTE, chat=group, thread_id=thread_id)
    await advocate.send_photo(make_png(), caption=FOR_HER, chat=group, thread_id=thread_id)
    notice = await she.wait_reply(timeout=10)
    assert notice.text == "Сізге жаңа хабарлама келді."
    await she.press("Көрсету", message=notice)
    shown = await she.wait_reply(timeout=10)
    assert (shown.media, shown.caption) == ("photo", FOR_HER)
    assert await stop(process) == 0

    assert NOTE in topic_texts(group, thread_id)  # the note is still there for her advocates
    assert all(NOTE not in (message.caption or message.text or "") for message in she.messages)
    notices = [c for c in sim.calls_to("sendMessage") if c.params.get("text") == "Сізге жаңа хабарлама келді."]
    assert len(notices) == 1  # for the reply; none for the note
    assert len([c for c in sim.calls_to("copyMessage") if c.params.get("chat_id") == she.id]) == 1
