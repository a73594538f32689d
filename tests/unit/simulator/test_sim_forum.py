"""The advocates' forum supergroup: chat shapes, members, topics, relaying with copyMessage."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from telegram import Bot, ChatMemberAdministrator, ChatMemberLeft, ChatMemberMember, ChatMemberOwner
from telegram.constants import ForumIconColor
from telegram.error import BadRequest

from bot.simulator import Simulator, SimUser, make_png

Description = Callable[[str], str]


async def test_chat_and_member_shapes(bot: Bot, sim: Simulator, user: SimUser) -> None:
    group = sim.add_forum_group(title="Advocates", bot_admin=True, can_manage_topics=True, can_delete_messages=True)
    advocate = sim.add_user(first_name="Advocate")
    group.add_member(advocate)

    chat = await bot.get_chat(group.id)
    assert chat.is_forum and chat.type == "supergroup" and chat.title == "Advocates"
    assert str(chat.id).startswith("-100") and chat.max_reaction_count > 0
    me = await bot.get_chat_member(group.id, sim.bot_id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_manage_topics and me.can_delete_messages
    assert isinstance(await bot.get_chat_member(group.id, advocate.id), ChatMemberMember)
    assert isinstance(await bot.get_chat_member(group.id, user.id), ChatMemberLeft)
    admins = await bot.get_chat_administrators(group.id)
    assert {type(a) for a in admins} == {ChatMemberOwner, ChatMemberAdministrator}
    private = await bot.get_chat(user.chat_id)
    assert private.type == "private" and private.first_name == "Aigerim" and not private.is_forum

    # The bot was told that it was added to the group.
    (update,) = await bot.get_updates(timeout=1)
    assert update.my_chat_member.new_chat_member.status == "administrator"


async def test_topic_lifecycle(bot: Bot, sim: Simulator, description: Description) -> None:
    group = sim.add_forum_group(title="Advocates")
    topic = await bot.create_forum_topic(group.id, "KZ-0001 · urgent", icon_color=ForumIconColor.RED)
    thread = topic.message_thread_id
    assert group.topics[thread].name == "KZ-0001 · urgent"
    msg = await bot.send_message(group.id, "New case", message_thread_id=thread)
    assert msg.message_thread_id == thread and msg.is_topic_message

    assert await bot.edit_forum_topic(group.id, thread, name="KZ-0001 · claimed") is True
    with pytest.raises(BadRequest):
        await bot.edit_forum_topic(group.id, thread, name="KZ-0001 · claimed")
    assert description("editForumTopic") == "Bad Request: TOPIC_NOT_MODIFIED"
    assert await bot.close_forum_topic(group.id, thread) is True
    assert group.topics[thread].is_closed
    assert await bot.reopen_forum_topic(group.id, thread) is True
    services = [m.service for m in group.messages(thread) if m.is_service]
    assert [next(iter(s)) for s in services] == [
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
    ]
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(group.id, thread)  # the topic's creation message

    assert await bot.delete_forum_topic(group.id, thread) is True
    assert group.topics[thread].deleted and group.messages(thread) == []
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(group.id, "anyone?", message_thread_id=thread)
    assert description("sendMessage") == "Bad Request: message thread not found"
    with pytest.raises(BadRequest):
        await bot.close_forum_topic(group.id, thread)
    assert description("closeForumTopic") == "Bad Request: TOPIC_ID_INVALID"


async def test_topic_rights(bot: Bot, sim: Simulator, description: Description) -> None:
    no_rights = sim.add_forum_group(title="Helpers", can_manage_topics=False)
    with pytest.raises(BadRequest):
        await bot.create_forum_topic(no_rights.id, "case")
    assert description("createForumTopic") == "Bad Request: not enough rights to create a topic"
    plain = sim.add_forum_group(title="Plain", is_forum=False)
    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await bot.create_forum_topic(plain.id, "case")
    member_only = sim.add_forum_group(title="Members", bot_admin=False)
    with pytest.raises(BadRequest):
        await bot.create_forum_topic(member_only.id, "case")
    group = sim.add_forum_group(title="Advocates")
    group.delete_topic(await group.create_topic("made by a person"))
    with pytest.raises(BadRequest):
        await bot.send_message(group.id, "x", message_thread_id=next(iter(group.topics)))


async def test_copy_into_topic_without_forward_origin(bot: Bot, sim: Simulator, user: SimUser) -> None:
    group = sim.add_forum_group(title="Advocates")
    thread = (await bot.create_forum_topic(group.id, "KZ-0002")).message_thread_id
    text = await user.send_text("He took my passport. Call me after 6 https://example.org")
    photo = await user.send_photo(make_png(30, 30), caption="photo of the door")

    copied = await bot.copy_message(group.id, user.chat_id, text.message_id, message_thread_id=thread)
    await bot.copy_message(group.id, user.chat_id, photo.message_id, message_thread_id=thread, caption="[photo]")
    relayed = [m for m in group.messages(thread) if not m.is_service]
    assert next(m.message_id for m in relayed) == copied.message_id
    assert relayed[0].text == text.text and relayed[0].forward_origin is None
    assert "forward_origin" not in relayed[0].raw and relayed[0].raw["message_thread_id"] == thread
    assert relayed[1].media == "photo" and relayed[1].caption == "[photo]"
    assert relayed[1].file_ids == photo.file_ids
    assert sim.calls_to("forwardMessage") == []

    # The advocate answers in the topic; the bot relays it back, protected.
    advocate = sim.add_user(first_name="Advocate")
    group.add_member(advocate)
    answer = await advocate.send_text("We will call at 18:00.", chat=group, thread_id=thread)
    updates = await bot.get_updates(timeout=1)
    incoming = [u.message for u in updates if u.message and u.message.chat.id == group.id][-1]
    assert incoming.message_thread_id == thread and incoming.is_topic_message
    assert incoming.reply_to_message.forum_topic_created.name == "KZ-0002"
    await bot.copy_message(user.chat_id, group.id, answer.message_id, protect_content=True)
    back = await user.wait_reply()
    assert back.text == "We will call at 18:00." and back.protect_content and back.forward_origin is None


async def test_copy_messages_and_errors(bot: Bot, sim: Simulator, user: SimUser, description: Description) -> None:
    group = sim.add_forum_group(title="Advocates")
    thread = (await bot.create_forum_topic(group.id, "KZ-0003")).message_thread_id
    first = await user.send_text("one")
    second = await user.send_text("two")
    ids = await bot.copy_messages(
        group.id, user.chat_id, [first.message_id, second.message_id], message_thread_id=thread
    )
    assert len(ids) == 2
    assert [m.text for m in group.messages(thread) if not m.is_service] == ["one", "two"]
    with pytest.raises(BadRequest):
        await bot.copy_message(group.id, user.chat_id, 999, message_thread_id=thread)
    assert description("copyMessage") == "Bad Request: message to copy not found"


async def test_privacy_mode_for_a_non_admin_bot(bot: Bot, sim: Simulator) -> None:
    group = sim.add_forum_group(title="Members", bot_admin=False)
    person = sim.add_user(first_name="Member")
    group.add_member(person)
    await person.send_text("chatting among ourselves", chat=group)
    await person.send_text("/status", chat=group)
    updates = await bot.get_updates(timeout=1)
    assert [u.message.text for u in updates if u.message] == ["/status"]


async def test_group_deletion_rights(bot: Bot, sim: Simulator, description: Description) -> None:
    person = sim.add_user(first_name="Member")
    for can_delete in (True, False):
        group = sim.add_forum_group(title="G", can_delete_messages=can_delete)
        group.add_member(person)
        theirs = await person.send_text("hello", chat=group)
        ours = await bot.send_message(group.id, "hi")
        assert await bot.delete_message(group.id, ours.message_id) is True  # own messages: always
        if can_delete:
            assert await bot.delete_message(group.id, theirs.message_id) is True
        else:
            with pytest.raises(BadRequest):
                await bot.delete_message(group.id, theirs.message_id)
            assert description("deleteMessage") == "Bad Request: message can't be deleted"
