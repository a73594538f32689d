"""The driving side: people who write to the bot, forum groups, and the Simulator that holds them.

Tests and the terminal demo use only this module's names. Users act directly on the simulated world
(as Telegram's servers would on behalf of their apps) and the bot learns about it through getUpdates.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import html as fmt
from .media import guess_mime, image_size
from .methods import delete_topic
from .server import ApiServer, Call, Fault, Faults
from .state import (
    CallbackRec,
    ChatRec,
    Clock,
    MemberRec,
    MessageRec,
    TopicRec,
    UserRec,
    World,
)
from .webhook import Delivery

DEFAULT_TOKEN = "7000000001:AAHsimulatorTokenForLocalTests_0123"


@dataclass(frozen=True)
class SimButton:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class SimTopic:
    thread_id: int
    name: str
    icon_color: int
    is_closed: bool
    deleted: bool
    icon_custom_emoji_id: str | None = None


@dataclass(frozen=True)
class SimMessage:
    """A message as the chat shows it now (edits applied)."""

    message_id: int
    chat_id: int
    thread_id: int | None
    from_bot: bool
    sender_id: int
    text: str | None
    entities: list[dict[str, Any]]
    caption: str | None
    caption_entities: list[dict[str, Any]]
    media: str | None  # photo / document / voice / video
    file_ids: list[str]
    buttons: list[list[SimButton]]
    protect_content: bool
    disable_notification: bool
    date: int
    edit_date: int | None
    is_service: bool
    service: dict[str, Any] | None
    forward_origin: dict[str, Any] | None
    reply_to_message_id: int | None
    media_group_id: str | None
    raw: dict[str, Any] = field(repr=False)  # the Message object as the Bot API renders it

    @property
    def html(self) -> str:
        """Text (or caption) re-rendered with its formatting entities, e.g. '<b>Hi</b>'."""
        if self.text is not None:
            return fmt.render_html(self.text, self.entities)
        return fmt.render_html(self.caption or "", self.caption_entities)

    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    def __str__(self) -> str:
        who = "bot" if self.from_bot else f"user {self.sender_id}"
        body = self.text if self.text is not None else f"[{self.media or 'service'}] {self.caption or ''}"
        return f"#{self.message_id} {who}: {body}"


def snapshot(world: World, msg: MessageRec) -> SimMessage:
    keyboard = (msg.reply_markup or {}).get("inline_keyboard", [])
    buttons = [[SimButton(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in keyboard]
    return SimMessage(
        message_id=msg.message_id,
        chat_id=msg.chat_id,
        thread_id=msg.thread_id,
        from_bot=msg.sender_id == world.bot.id,
        sender_id=msg.sender_id,
        text=msg.text,
        entities=list(msg.entities),
        caption=msg.caption,
        caption_entities=list(msg.caption_entities),
        media=msg.media_kind,
        file_ids=[f.file_id for f in msg.files],
        buttons=buttons,
        protect_content=msg.protect_content,
        disable_notification=msg.disable_notification,
        date=msg.date,
        edit_date=msg.edit_date,
        is_service=msg.is_service,
        service=msg.service,
        forward_origin=msg.forward_origin,
        reply_to_message_id=msg.reply_to_message_id,
        media_group_id=msg.media_group_id,
        raw=world.message_json(msg),
    )


@dataclass
class SimCallbackQuery:
    """A button press; `answered`/`answer` show what the bot did with answerCallbackQuery."""

    id: str
    data: str
    message_id: int
    _world: World = field(repr=False)

    @property
    def answered(self) -> bool:
        return self._world.callback_queries[self.id].answered

    @property
    def answer(self) -> dict[str, Any] | None:
        return self._world.callback_queries[self.id].answer

    async def wait_answer(self, timeout: float = 5.0) -> dict[str, Any]:  # noqa: ASYNC109 (public API)
        await _wait(self._world, lambda: self.answered, timeout, f"callback query {self.data!r} was not answered")
        assert self.answer is not None
        return self.answer


async def _wait(world: World, predicate: Callable[[], Any], within: float, what: str) -> Any:
    """Re-evaluates `predicate` on every change of the world until it is truthy or `within` runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = predicate()
        if result:
            return result
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(f"{what} within {within} s")
        await world.wait_change(remaining)


class _Member:
    """Shared between SimUser and SimGroup: how a person's action enters the world."""

    def __init__(self, sim: Simulator) -> None:
        self._sim = sim
        self._world = sim.world


class SimUser(_Member):
    def __init__(self, sim: Simulator, rec: UserRec) -> None:
        super().__init__(sim)
        self._rec = rec
        # chat id -> the last event the user has "seen"; kept in the world so that every handle
        # to the same person (sim.user(id)) shares it.
        self._cursor: dict[int, int] = self._world.cursors.setdefault(rec.id, {})

    # --------------------------------------------------------------------------------------- identity

    @property
    def id(self) -> int:
        return self._rec.id

    @property
    def chat_id(self) -> int:
        return self._rec.id  # a private chat's id is the user's id

    @property
    def first_name(self) -> str:
        return self._rec.first_name

    @property
    def username(self) -> str | None:
        return self._rec.username

    @property
    def language_code(self) -> str | None:
        return self._rec.language_code

    @property
    def blocked(self) -> bool:
        return self._rec.blocked_bot

    def block_bot(self) -> None:
        self._rec.blocked_bot = True
        self._world.notify()

    def unblock_bot(self) -> None:
        self._rec.blocked_bot = False
        self._world.notify()

    # ---------------------------------------------------------------------------------------- viewing

    @property
    def messages(self) -> list[SimMessage]:
        """The private chat with the bot as it looks now, oldest first."""
        return _chat_messages(self._world, self._private())

    def bot_messages(self) -> list[SimMessage]:
        return [m for m in self.messages if m.from_bot]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        keyboard = self._private().reply_keyboard
        if keyboard is None:
            return None
        return [[button["text"] for button in row] for row in keyboard["keyboard"]]

    # ---------------------------------------------------------------------------------------- writing

    async def send_text(
        self, text: str, chat: SimGroup | None = None, thread_id: int | None = None, reply_to: int | None = None
    ) -> SimMessage:
        try:
            clean, entities = fmt.normalize(text, [], allow_empty=False)
        except fmt.EmptyTextError:
            raise ValueError("Telegram apps do not send empty messages") from None
        if fmt.utf16_len(clean) > 4096:
            raise ValueError("Telegram apps split texts over 4096 characters; send shorter parts")
        return await self._send(chat, thread_id, reply_to, text=clean, entities=entities)

    async def send_photo(
        self, data: bytes, caption: str | None = None, chat: SimGroup | None = None, thread_id: int | None = None
    ) -> SimMessage:
        size = image_size(data)
        if size is None:
            raise ValueError("not a PNG/JPEG/GIF/WebP image (use bot.simulator.media.make_png())")
        files = self._world.add_photo(data, *size)
        return await self._send(chat, thread_id, None, media_kind="photo", files=files, **self._caption(caption))

    async def send_album(self, images: list[bytes], caption: str | None = None) -> list[SimMessage]:
        """Several photos sent at once: Telegram delivers them as separate messages with one media_group_id."""
        group_id = str(random.randint(10**17, 2**63 - 1))
        sent = []
        for index, data in enumerate(images):
            size = image_size(data)
            if size is None:
                raise ValueError("not a PNG/JPEG/GIF/WebP image (use bot.simulator.media.make_png())")
            files = self._world.add_photo(data, *size)
            extra = self._caption(caption) if index == 0 else {}
            sent.append(
                await self._send(None, None, None, media_kind="photo", files=files, media_group_id=group_id, **extra)
            )
        return sent

    async def send_document(
        self,
        data: bytes,
        filename: str = "document.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
        chat: SimGroup | None = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        rec = self._world.add_file("document", data, file_name=filename, mime_type=mime_type or guess_mime(filename))
        return await self._send(chat, thread_id, None, media_kind="document", files=[rec], **self._caption(caption))

    async def send_voice(
        self, data: bytes, duration: int = 1, chat: SimGroup | None = None, thread_id: int | None = None
    ) -> SimMessage:
        rec = self._world.add_file("voice", data, mime_type="audio/ogg", duration=duration)
        return await self._send(chat, thread_id, None, media_kind="voice", files=[rec])

    async def send_video(
        self,
        data: bytes,
        duration: int = 1,
        width: int = 640,
        height: int = 360,
        caption: str | None = None,
        chat: SimGroup | None = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        rec = self._world.add_file("video", data, mime_type="video/mp4", width=width, height=height, duration=duration)
        return await self._send(chat, thread_id, None, media_kind="video", files=[rec], **self._caption(caption))

    async def edit_text(self, message: SimMessage, new_text: str) -> SimMessage:
        chat = self._world.chats[message.chat_id]
        msg = chat.live(message.message_id)
        if msg is None or msg.sender_id != self.id or msg.text is None:
            raise ValueError(f"{self.first_name} can only edit their own text messages")
        msg.text, msg.entities = fmt.normalize(new_text, [], allow_empty=False)
        msg.edit_date = self._world.clock.now()
        self._world.record_event(msg, "edit")
        self._deliver(chat, msg, "edited_message")
        return snapshot(self._world, msg)

    async def delete(self, message: SimMessage) -> None:
        """The user deletes a message in their app. Telegram tells the bot nothing about it."""
        chat = self._world.chats[message.chat_id]
        msg = chat.live(message.message_id)
        if msg is None:
            raise LookupError(f"message {message.message_id} is already gone")
        if chat.type != "private" and msg.sender_id != self.id:
            raise PermissionError("only your own messages can be deleted in a group here")
        msg.deleted = True
        self._world.record_event(msg, "delete")
        self._world.notify()

    # --------------------------------------------------------------------------------------- buttons

    async def press(
        self, text: str, message: SimMessage | None = None, chat: SimGroup | None = None
    ) -> SimCallbackQuery:
        """Taps the inline button with exactly this text (on `message`, else the newest bot message with it)."""
        chat_rec = self._chat(chat, message)
        candidates = [chat_rec.live(message.message_id)] if message else reversed(list(chat_rec.messages.values()))
        for msg in candidates:
            if msg is None or msg.deleted or msg.sender_id != self._world.bot.id or not msg.reply_markup:
                continue
            for row in msg.reply_markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"] == text:
                        return await self._press(chat_rec, msg, button)
        raise LookupError(f"no inline button {text!r}; visible buttons: {self._visible_buttons(chat_rec)}")

    async def press_index(self, message: SimMessage, row: int, col: int) -> SimCallbackQuery:
        chat_rec = self._chat(None, message)
        msg = chat_rec.live(message.message_id)
        if msg is None or not msg.reply_markup:
            raise LookupError(f"message {message.message_id} has no inline keyboard (any more)")
        try:
            button = msg.reply_markup["inline_keyboard"][row][col]
        except IndexError:
            raise LookupError(f"no button at row {row}, column {col} of message {message.message_id}") from None
        return await self._press(chat_rec, msg, button)

    async def _press(self, chat: ChatRec, msg: MessageRec, button: dict[str, Any]) -> SimCallbackQuery:
        data = button.get("callback_data")
        if data is None:
            raise LookupError(f"button {button['text']!r} is not a callback button: {button}")
        self._check_can_write(chat, msg.thread_id)
        query_id = str(random.randint(10**17, 2**63 - 1))
        self._world.callback_queries[query_id] = CallbackRec(
            query_id, self.id, chat.id, msg.message_id, data, self._world.clock.now()
        )
        payload = {
            "id": query_id,
            "from": self._rec.json(),
            "message": self._world.message_json(msg),
            "chat_instance": chat.chat_instance,
            "data": data,
        }
        self._world.queue_update("callback_query", payload)
        self._cursor[chat.id] = self._world.last_seq
        self._world.notify()
        await asyncio.sleep(0)
        return SimCallbackQuery(query_id, data, msg.message_id, self._world)

    def _visible_buttons(self, chat: ChatRec) -> list[str]:
        texts: list[str] = []
        for msg in reversed(list(chat.messages.values())):
            if not msg.deleted and msg.reply_markup:
                texts += [b["text"] for row in msg.reply_markup.get("inline_keyboard", []) for b in row]
        return texts

    # --------------------------------------------------------------------------------------- waiting

    async def wait_reply(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 (plain timeout argument: the documented driving API)
        chat: SimGroup | None = None,
        thread_id: int | None = None,
    ) -> SimMessage:
        """The next bot message created or edited in the chat since the user's last action.

        Each call moves on: a second call returns the bot's next message/edit after the one returned.
        """
        chat_rec = self._chat(chat, None)

        def find() -> SimMessage | None:
            cursor = self._cursor.get(chat_rec.id, 0)
            events = self._world.chat_events.get(chat_rec.id, [])
            # Events are in seq order: start after the cursor instead of reading the whole history again.
            for event in events[bisect.bisect_right(events, cursor, key=lambda e: e.seq) :]:
                if not event.by_bot:
                    continue
                msg = chat_rec.live(event.message_id)
                if event.kind == "delete" or msg is None or msg.is_service:
                    continue
                if thread_id is not None and msg.thread_id != thread_id:
                    continue
                self._cursor[chat_rec.id] = event.seq
                return snapshot(self._world, msg)
            return None

        where = f"chat {chat_rec.title or self.first_name}" + (f" topic {thread_id}" if thread_id else "")
        try:
            found: SimMessage = await _wait(self._world, find, timeout, f"no bot message in {where}")
            return found
        except TimeoutError as err:
            recent = [str(m) for m in _chat_messages(self._world, chat_rec)[-5:]]
            raise TimeoutError(f"{err}; the chat ends with: {recent}") from None

    async def wait_replies(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 (plain timeout argument: the documented driving API)
        quiet: float = 0.3,
        chat: SimGroup | None = None,
        thread_id: int | None = None,
    ) -> list[SimMessage]:
        """Everything the bot sends or edits in answer: the first reply, then more until `quiet` seconds pass.

        Handy for the terminal demo and for steps where the bot answers with several messages.
        """
        replies = [await self.wait_reply(timeout=timeout, chat=chat, thread_id=thread_id)]
        while True:
            try:
                replies.append(await self.wait_reply(timeout=quiet, chat=chat, thread_id=thread_id))
            except TimeoutError:
                return replies

    async def assert_no_reply(self, within: float = 0.3, chat: SimGroup | None = None) -> None:
        """Fails if the bot sends or edits anything in the chat during `within` seconds."""
        try:
            reply = await self.wait_reply(timeout=within, chat=chat)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected bot message: {reply}")

    # -------------------------------------------------------------------------------------- internals

    def _private(self) -> ChatRec:
        return self._world.chats[self.id]

    def _chat(self, chat: SimGroup | None, message: SimMessage | None) -> ChatRec:
        if message is not None:
            return self._world.chats[message.chat_id]
        return self._world.chats[chat.id] if chat is not None else self._private()

    def _caption(self, caption: str | None) -> dict[str, Any]:
        if not caption:
            return {}
        text, entities = fmt.normalize(caption, [], allow_empty=True)
        if fmt.utf16_len(text) > 1024:
            raise ValueError("captions are limited to 1024 characters")
        return {"caption": text or None, "caption_entities": entities}

    def _check_can_write(self, chat: ChatRec, thread_id: int | None) -> None:
        if chat.type == "private":
            if self._rec.blocked_bot:
                raise RuntimeError(f"{self.first_name} has blocked the bot; call unblock_bot() first")
            return
        member = chat.members.get(self.id)
        if member is None or member.status in ("left", "kicked"):
            raise RuntimeError(f"{self.first_name} is not a member of {chat.title}; use group.add_member()")
        if thread_id is not None:
            topic = chat.topics.get(thread_id)
            if topic is None or topic.deleted:
                raise LookupError(f"topic {thread_id} does not exist in {chat.title}")
            if topic.is_closed and not member.can("can_manage_topics"):
                raise RuntimeError(f"topic {topic.name!r} is closed")

    async def _send(
        self, group: SimGroup | None, thread_id: int | None, reply_to: int | None, **content: Any
    ) -> SimMessage:
        chat = self._world.chats[group.id] if group is not None else self._private()
        self._check_can_write(chat, thread_id)
        if chat.type == "private":
            self._rec.started = True
        if reply_to is not None and chat.live(reply_to) is None:
            raise LookupError(f"message {reply_to} does not exist")
        msg = MessageRec(
            chat_id=chat.id,
            message_id=chat.take_message_id(),
            sender_id=self.id,
            date=self._world.clock.now(),
            thread_id=thread_id,
            reply_to_message_id=reply_to,
            **content,
        )
        chat.messages[msg.message_id] = msg
        self._world.record_event(msg, "new")
        self._deliver(chat, msg, "message")
        await asyncio.sleep(0)
        return snapshot(self._world, msg)

    def _deliver(self, chat: ChatRec, msg: MessageRec, kind: str) -> None:
        if chat.type == "private" or self._world.bot_sees_group_message(chat, msg):
            self._world.queue_update(kind, self._world.message_json(msg))
        self._cursor[chat.id] = self._world.last_seq
        self._world.notify()


def _chat_messages(world: World, chat: ChatRec, thread_id: int | None = None) -> list[SimMessage]:
    return [
        snapshot(world, m)
        for m in chat.messages.values()
        if not m.deleted and (thread_id is None or m.thread_id == thread_id)
    ]


class SimGroup(_Member):
    """A forum supergroup (e.g. the advocates' group) with the bot in it."""

    def __init__(self, sim: Simulator, chat: ChatRec, owner: UserRec) -> None:
        super().__init__(sim)
        self._chat = chat
        self.owner = owner

    @property
    def id(self) -> int:
        return self._chat.id

    @property
    def title(self) -> str:
        return self._chat.title or ""

    @property
    def topics(self) -> dict[int, SimTopic]:
        return {
            tid: SimTopic(t.thread_id, t.name, t.icon_color, t.is_closed, t.deleted, t.icon_custom_emoji_id)
            for tid, t in self._chat.topics.items()
        }

    def topic_named(self, name: str) -> SimTopic:
        live = [t for t in self.topics.values() if t.name == name and not t.deleted]
        if not live:
            raise LookupError(f"no topic {name!r}; topics: {[t.name for t in self.topics.values()]}")
        return live[-1]

    def messages(self, thread_id: int | None = None) -> list[SimMessage]:
        """Messages now in the group (or in one topic), oldest first."""
        return _chat_messages(self._world, self._chat, thread_id)

    def add_member(self, user: SimUser, admin: bool = False, **rights: bool) -> None:
        status = "administrator" if admin else "member"
        self._chat.members[user.id] = MemberRec(status, dict(rights))
        self._world.notify()

    def set_bot_rights(self, admin: bool = True, **rights: bool) -> None:
        """Changes the bot's membership, e.g. set_bot_rights(admin=True, can_manage_topics=False)."""
        self._chat.members[self._world.bot.id] = MemberRec("administrator" if admin else "member", dict(rights))
        self._world.notify()

    def remove_bot(self) -> None:
        self._chat.members[self._world.bot.id] = MemberRec("kicked")
        self._world.notify()

    async def create_topic(self, name: str, by: SimUser | None = None, icon_color: int = 0x6FB9F0) -> int:
        """A person creates a topic in the app (the bot gets the service message if it sees it)."""
        creator_id = by.id if by is not None else self.owner.id
        thread_id = self._chat.take_message_id()
        self._chat.topics[thread_id] = TopicRec(thread_id, name, icon_color, creator_id)
        msg = MessageRec(
            chat_id=self.id,
            message_id=thread_id,
            sender_id=creator_id,
            date=self._world.clock.now(),
            thread_id=thread_id,
            service={"forum_topic_created": {"name": name, "icon_color": icon_color}},
        )
        self._chat.messages[thread_id] = msg
        self._world.record_event(msg, "new")
        if self._world.bot_sees_group_message(self._chat, msg):
            self._world.queue_update("message", self._world.message_json(msg))
        self._world.notify()
        await asyncio.sleep(0)
        return thread_id

    def delete_topic(self, thread_id: int) -> None:
        """An admin deletes the topic in the app; Telegram sends the bot no update about it."""
        delete_topic(self._world, self._chat, self._chat.topics[thread_id])
        self._world.notify()

    def close_topic(self, thread_id: int) -> None:
        self._chat.topics[thread_id].is_closed = True
        self._world.notify()


class Simulator:
    """A strict local Telegram Bot API server plus the people around the bot.

    async with Simulator() as sim:
        bot = telegram.Bot(sim.token, base_url=f"{sim.base_url}/bot", base_file_url=sim.file_base_url)
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "test_help_bot",
        bot_first_name: str = "Help",
        port: int = 0,
    ) -> None:
        self.token = token
        self.world = World(token, bot_username, bot_first_name)
        self.server = ApiServer(self.world)
        self._port = port
        self._user_ids = itertools.count(5_000_000_001, 7919)
        self._group_ids = itertools.count(1_000_000_001)

    # ---------------------------------------------------------------------------------------- running

    async def start(self) -> Simulator:
        await self.server.start(self._port)
        return self

    async def stop(self) -> None:
        await self.server.stop()

    async def go_offline(self) -> None:
        """The network drops: the port refuses connections. People, chats and queued updates are kept."""
        await self.server.stop()

    async def go_online(self) -> None:
        """The network is back, on the same port."""
        self.world.closed = False
        self.server.closed = False
        await self.server.start(self.port)

    async def __aenter__(self) -> Simulator:
        return await self.start()

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        await self.stop()
        if exc_type is None and self.server.internal_errors:
            raise RuntimeError("simulator bug(s):\n" + "\n".join(self.server.internal_errors))

    @property
    def port(self) -> int:
        if self.server.port is None:
            raise RuntimeError("the simulator is not started")
        return self.server.port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def file_base_url(self) -> str:
        return f"{self.base_url}/file/bot"

    @property
    def clock(self) -> Clock:
        return self.world.clock

    @property
    def faults(self) -> Faults:
        return self.server.faults

    @property
    def calls(self) -> list[Call]:
        return self.server.calls

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self.world.updates)

    @property
    def webhook_proxy(self) -> str | None:
        """Where webhook posts go ("http://127.0.0.1:PORT"): the operator's TLS proxy in front of the bot. The
        webhook URL's path is kept; its scheme, host and port are replaced by this."""
        return self.server.webhook.proxy

    @webhook_proxy.setter
    def webhook_proxy(self, address: str | None) -> None:
        self.server.webhook.proxy = address
        self.world.notify()

    @property
    def webhook_deliveries(self) -> list[Delivery]:
        """Every POST of an update to the webhook so far, in the order they ended."""
        return self.server.webhook.deliveries

    @property
    def bot_id(self) -> int:
        return self.world.bot.id

    # ------------------------------------------------------------------------------------------ people

    def add_user(
        self,
        first_name: str,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> SimUser:
        rec = UserRec(
            id=next(self._user_ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.world.users[rec.id] = rec
        self.world.chats[rec.id] = ChatRec(
            id=rec.id, type="private", user_id=rec.id, chat_instance=_chat_instance(), accent_color_id=rec.id % 7
        )
        return SimUser(self, rec)

    def user(self, user_id: int) -> SimUser:
        return SimUser(self, self.world.users[user_id])

    def add_forum_group(
        self,
        title: str,
        bot_admin: bool = True,
        can_manage_topics: bool = True,
        can_delete_messages: bool = True,
        can_pin_messages: bool = True,
        is_forum: bool = True,
        username: str | None = None,
    ) -> SimGroup:
        owner = UserRec(id=next(self._user_ids), first_name=f"{title} owner")
        self.world.users[owner.id] = owner
        chat = ChatRec(
            id=-(10**12 + next(self._group_ids)),
            type="supergroup",
            title=title,
            username=username,
            is_forum=is_forum,
            chat_instance=_chat_instance(),
            accent_color_id=3,
        )
        chat.members[owner.id] = MemberRec("creator")
        rights = {
            "can_manage_chat": True,
            "can_delete_messages": can_delete_messages,
            "can_pin_messages": can_pin_messages,
            "can_manage_topics": can_manage_topics,
            "can_invite_users": True,
        }
        bot_member = MemberRec("administrator", rights) if bot_admin else MemberRec("member")
        chat.members[self.world.bot.id] = bot_member
        self.world.chats[chat.id] = chat
        # Telegram tells the bot that it was added (my_chat_member).
        self.world.queue_update(
            "my_chat_member",
            {
                "chat": self.world.chat_json(chat),
                "from": owner.json(),
                "date": self.world.clock.now(),
                "old_chat_member": {"user": self.world.bot.json(), "status": "left"},
                "new_chat_member": self.world.member_json(chat, self.world.bot),
            },
        )
        self.world.notify()
        return SimGroup(self, chat, owner)

    # ----------------------------------------------------------------------------------------- waiting

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """Waits until predicate() is truthy (re-checked on every change); returns its value."""
        return await _wait(self.world, predicate, timeout, "condition not met")


def _chat_instance() -> str:
    return str(random.choice((-1, 1)) * random.randint(10**18, 9 * 10**18))


__all__ = [
    "DEFAULT_TOKEN",
    "Fault",
    "SimButton",
    "SimCallbackQuery",
    "SimGroup",
    "SimMessage",
    "SimTopic",
    "SimUser",
    "Simulator",
]
