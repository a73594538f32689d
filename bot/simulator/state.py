"""The simulated Telegram world: users, chats, messages, topics, files and the bot's update queue.

No HTTP here. Every mutation is synchronous (no awaits in between), so concurrent requests on one
asyncio loop can't interleave inside a change; `World.notify()` wakes everybody waiting for a change.
Records are rendered into the Bot API's JSON shapes by the `*_json` methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from .html import Entity

DELETE_WINDOW = 48 * 3600  # bots can delete messages younger than 48 hours
GETFILE_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files
DEFAULT_ICON_COLOR = 0x6FB9F0  # 7322096, Telegram's first topic colour
TOPIC_ICON_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)

# Every update type the Bot API knows.
UPDATE_TYPES = frozenset(
    {
        "message",
        "chat_member",
        "managed_bot",
        "message_reaction",
        "message_reaction_count",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
# Telegram leaves these out unless a bot asks for them by name in allowed_updates.
DEFAULT_UPDATE_TYPES = UPDATE_TYPES - {"chat_member", "managed_bot", "message_reaction", "message_reaction_count"}

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
)


class Clock:
    """Wall-clock time plus an offset that tests move forward with `advance()`."""

    def __init__(self) -> None:
        self.offset = 0

    def now(self) -> int:
        return int(time.time()) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += int(seconds)


@dataclass
class FileRec:
    file_id: str
    file_unique_id: str
    kind: str  # photo / document / voice / video
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def media_json(self) -> dict[str, Any]:
        """The Document / Voice / Video / PhotoSize object for this file."""
        obj: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.kind == "photo":
            obj.update(width=self.width or 0, height=self.height or 0)
        if self.kind == "video":
            obj.update(width=self.width or 0, height=self.height or 0, duration=self.duration or 0)
        if self.kind == "voice":
            obj["duration"] = self.duration or 0
        if self.file_name and self.kind in ("document", "video"):
            obj["file_name"] = self.file_name
        if self.mime_type and self.kind != "photo":
            obj["mime_type"] = self.mime_type
        obj["file_size"] = self.size
        return obj

    def file_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass
class UserRec:
    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = False  # has written to the bot: only then may the bot write to them
    blocked_bot: bool = False

    def json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            obj["last_name"] = self.last_name
        if self.username:
            obj["username"] = self.username
        if self.language_code and not self.is_bot:
            obj["language_code"] = self.language_code
        return obj


@dataclass
class MemberRec:
    status: str  # creator / administrator / member / left / kicked
    rights: dict[str, bool] = field(default_factory=dict)

    def can(self, right: str) -> bool:
        return self.status == "creator" or (self.status == "administrator" and self.rights.get(right, False))


@dataclass
class TopicRec:
    thread_id: int
    name: str
    icon_color: int
    creator_id: int
    icon_custom_emoji_id: str | None = None
    is_closed: bool = False
    deleted: bool = False

    def json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            obj["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return obj


@dataclass
class MessageRec:
    chat_id: int
    message_id: int
    sender_id: int
    date: int
    thread_id: int | None = None
    text: str | None = None
    entities: list[Entity] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[Entity] = field(default_factory=list)
    media_kind: str | None = None  # photo / document / voice / video
    files: list[FileRec] = field(default_factory=list)  # photo: all sizes, smallest first
    reply_markup: dict[str, Any] | None = None  # only inline keyboards are part of a message
    protect_content: bool = False
    disable_notification: bool = False
    edit_date: int | None = None
    service: dict[str, Any] | None = None  # e.g. {"forum_topic_created": {...}}
    forward_origin: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    media_group_id: str | None = None
    show_caption_above_media: bool = False
    has_spoiler: bool = False
    deleted: bool = False

    @property
    def is_service(self) -> bool:
        return self.service is not None


@dataclass
class ChatRec:
    id: int
    type: str  # private / supergroup
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    user_id: int | None = None  # the other side of a private chat
    messages: dict[int, MessageRec] = field(default_factory=dict)
    next_message_id: int = 1
    members: dict[int, MemberRec] = field(default_factory=dict)
    topics: dict[int, TopicRec] = field(default_factory=dict)
    pinned: list[int] = field(default_factory=list)
    chat_instance: str = ""
    reply_keyboard: dict[str, Any] | None = None  # the keyboard the user currently sees (private chats)
    accent_color_id: int = 0

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def live(self, message_id: int) -> MessageRec | None:
        msg = self.messages.get(message_id)
        return msg if msg is not None and not msg.deleted else None


@dataclass
class CallbackRec:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: int
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class WebhookRec:
    """The webhook set with setWebhook, and what getWebhookInfo reports about delivering to it."""

    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class ChatEvent:
    """A change in a chat as its members see it; SimUser.wait_reply() reads these."""

    seq: int
    chat_id: int
    message_id: int
    kind: str  # new / edit / delete
    by_bot: bool


class World:
    def __init__(self, token: str, bot_username: str, bot_first_name: str) -> None:
        self.token = token
        self.clock = Clock()
        self.bot = UserRec(id=int(token.split(":", 1)[0]), first_name=bot_first_name, is_bot=True)
        self.bot.username = bot_username
        self.users: dict[int, UserRec] = {self.bot.id: self.bot}
        self.chats: dict[int, ChatRec] = {}
        self.files: dict[str, FileRec] = {}
        self.files_by_path: dict[str, FileRec] = {}
        self.photo_sets: dict[str, list[FileRec]] = {}  # any PhotoSize file_id -> all sizes of that photo
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = random.randint(100_000, 900_000)
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.callback_queries: dict[str, CallbackRec] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (name|description|short_description, lang)
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.privacy_mode = True  # real default: non-admin bots see only commands and replies in groups
        self.events: list[ChatEvent] = []
        self.chat_events: dict[int, list[ChatEvent]] = {}  # the same, per chat: waiting users look only there
        self.cursors: dict[int, dict[int, int]] = {}  # user id -> chat id -> last seen event (SimUser)
        self.poller: object | None = None  # the getUpdates request currently waiting
        self.webhook: WebhookRec | None = None  # while set, updates are posted to it and getUpdates is refused
        self.closed = False  # the server is stopping: waiting getUpdates return at once
        self._seq = itertools.count(1)
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------------------------ change signals

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_change(self, seconds: float) -> None:
        """Returns on the next change, or after `seconds`."""
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=max(seconds, 0))

    def record_event(self, msg: MessageRec, kind: str) -> None:
        by_bot = msg.sender_id == self.bot.id
        event = ChatEvent(next(self._seq), msg.chat_id, msg.message_id, kind, by_bot)
        self.events.append(event)
        self.chat_events.setdefault(msg.chat_id, []).append(event)

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    # -------------------------------------------------------------------------------------------- ids

    def new_file_ids(self, kind: str) -> tuple[str, str]:
        prefix = {"photo": "AgACAgIAAxkBAAI", "document": "BQACAgIAAxkBAAI", "voice": "AwACAgIAAxkBAAI"}
        file_id = prefix.get(kind, "BAACAgIAAxkBAAI") + secrets.token_urlsafe(48)[:56]
        return file_id, "AQAD" + secrets.token_urlsafe(9)[:12]

    def add_file(self, kind: str, data: bytes, **meta: Any) -> FileRec:
        file_id, unique_id = self.new_file_ids(kind)
        number = len(self.files)
        folder, default_ext = {
            "photo": ("photos", ".jpg"),
            "voice": ("voice", ".oga"),
            "video": ("videos", ".mp4"),
        }.get(kind, ("documents", ""))
        ext = default_ext
        name = meta.get("file_name")
        if kind == "document" and name and "." in name:
            ext = "." + name.rsplit(".", 1)[1][:8]
        rec = FileRec(file_id, unique_id, kind, data, f"{folder}/file_{number}{ext}", **meta)
        self.files[file_id] = rec
        self.files_by_path[rec.file_path] = rec
        return rec

    def add_photo(self, data: bytes, width: int, height: int) -> list[FileRec]:
        """A photo as Telegram stores it: a small preview size and the full size (same bytes here)."""
        sizes: list[FileRec] = []
        longest = max(width, height, 1)
        if longest > 320:
            scale = 320 / longest
            sizes.append(self.add_file("photo", data, width=round(width * scale), height=round(height * scale)))
        sizes.append(self.add_file("photo", data, width=width, height=height))
        for rec in sizes:
            self.photo_sets[rec.file_id] = sizes
        return sizes

    # ----------------------------------------------------------------------------------------- updates

    def queue_update(self, kind: str, payload: dict[str, Any]) -> None:
        self.updates.append({"update_id": self.next_update_id, kind: payload})
        self.next_update_id += 1

    def bot_sees_group_message(self, chat: ChatRec, msg: MessageRec) -> bool:
        """Privacy mode: a non-admin bot only gets commands, replies to it and mentions of it."""
        member = chat.members.get(self.bot.id)
        if member is None or member.status in ("left", "kicked"):
            return False
        if member.status in ("administrator", "creator") or not self.privacy_mode:
            return True
        text = msg.text or msg.caption or ""
        if text.startswith("/") or f"@{self.bot.username}" in text:
            return True
        replied = chat.live(msg.reply_to_message_id) if msg.reply_to_message_id else None
        return replied is not None and replied.sender_id == self.bot.id

    # ------------------------------------------------------------------------------------------- JSON

    def chat_json(self, chat: ChatRec) -> dict[str, Any]:
        if chat.type == "private":
            user = self.users[chat.user_id or chat.id]
            obj: dict[str, Any] = {"id": chat.id, "first_name": user.first_name}
            if user.last_name:
                obj["last_name"] = user.last_name
            if user.username:
                obj["username"] = user.username
            obj["type"] = "private"
            return obj
        obj = {"id": chat.id, "title": chat.title, "type": chat.type}
        if chat.username:
            obj["username"] = chat.username
        if chat.is_forum:
            obj["is_forum"] = True
        return obj

    def message_json(self, msg: MessageRec, *, nested: bool = False) -> dict[str, Any]:
        chat = self.chats[msg.chat_id]
        obj: dict[str, Any] = {"message_id": msg.message_id}
        if msg.thread_id is not None:
            obj["message_thread_id"] = msg.thread_id
        obj["from"] = self.users[msg.sender_id].json()
        obj["chat"] = self.chat_json(chat)
        obj["date"] = msg.date
        if msg.thread_id is not None and chat.is_forum:
            obj["is_topic_message"] = True
        if msg.forward_origin is not None:
            obj["forward_origin"] = msg.forward_origin
        if not nested:
            replied_id = msg.reply_to_message_id
            if replied_id is None and msg.thread_id is not None and msg.thread_id != msg.message_id:
                replied_id = msg.thread_id  # in a topic, Telegram shows the topic's creation as the reply
            replied = chat.messages.get(replied_id) if replied_id else None
            if replied is not None and not replied.deleted:
                obj["reply_to_message"] = self.message_json(replied, nested=True)
        if msg.edit_date is not None:
            obj["edit_date"] = msg.edit_date
        if msg.protect_content:
            obj["has_protected_content"] = True
        if msg.media_group_id:
            obj["media_group_id"] = msg.media_group_id
        if msg.text is not None:
            obj["text"] = msg.text
            if msg.entities:
                obj["entities"] = msg.entities
        if msg.media_kind == "photo":
            obj["photo"] = [f.media_json() for f in msg.files]
        elif msg.media_kind is not None:
            obj[msg.media_kind] = msg.files[0].media_json()
        if msg.caption:
            obj["caption"] = msg.caption
            if msg.caption_entities:
                obj["caption_entities"] = msg.caption_entities
            if msg.show_caption_above_media:
                obj["show_caption_above_media"] = True
        if msg.has_spoiler:
            obj["has_media_spoiler"] = True
        if msg.service:
            obj.update(msg.service)
        if msg.reply_markup is not None and msg.reply_markup.get("inline_keyboard"):
            obj["reply_markup"] = msg.reply_markup
        return obj

    def chat_full_json(self, chat: ChatRec) -> dict[str, Any]:
        """getChat's ChatFullInfo (PTB 22.8 requires accent_color_id, max_reaction_count, accepted_gift_types)."""
        obj = self.chat_json(chat)
        obj["accent_color_id"] = chat.accent_color_id
        obj["max_reaction_count"] = 11
        obj["accepted_gift_types"] = {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        }
        if chat.type == "supergroup":
            obj["permissions"] = {
                "can_send_messages": True,
                "can_send_audios": True,
                "can_send_documents": True,
                "can_send_photos": True,
                "can_send_videos": True,
                "can_send_video_notes": True,
                "can_send_voice_notes": True,
                "can_send_polls": True,
                "can_send_other_messages": True,
                "can_add_web_page_previews": True,
                "can_change_info": False,
                "can_invite_users": True,
                "can_pin_messages": False,
                "can_manage_topics": False,
            }
            obj["join_to_send_messages"] = True
        if chat.pinned:
            pinned = chat.live(chat.pinned[-1])
            if pinned is not None:
                obj["pinned_message"] = self.message_json(pinned)
        return obj

    def member_json(self, chat: ChatRec, user: UserRec) -> dict[str, Any]:
        member = chat.members.get(user.id)
        if chat.type == "private":
            return {"user": user.json(), "status": "member"}
        if member is None or member.status == "left":
            return {"user": user.json(), "status": "left"}
        if member.status == "kicked":
            return {"user": user.json(), "status": "kicked", "until_date": 0}
        if member.status == "creator":
            return {"user": user.json(), "status": "creator", "is_anonymous": False}
        if member.status == "administrator":
            obj: dict[str, Any] = {
                "user": user.json(),
                "status": "administrator",
                "can_be_edited": False,
                "is_anonymous": False,
            }
            for right in ADMIN_RIGHTS:
                obj[right] = bool(member.rights.get(right, False))
            return obj
        return {"user": user.json(), "status": "member"}
