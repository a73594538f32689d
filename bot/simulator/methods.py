"""Bot API methods about the bot itself, updates, chats, members, pins and forum topics.

Message methods live in `messages.py`; both register themselves in `params.METHODS`.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import urlsplit

from . import access, messages
from .params import METHODS, ApiError, Params, api, bad
from .state import (
    DEFAULT_ICON_COLOR,
    DEFAULT_UPDATE_TYPES,
    TOPIC_ICON_COLORS,
    UPDATE_TYPES,
    ChatRec,
    MessageRec,
    TopicRec,
    WebhookRec,
    World,
)

__all__ = ["METHODS", "messages"]  # importing `messages` registers its methods

CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
WEBHOOK_PORTS = (443, 80, 88, 8443)
MAX_SECRET_TOKEN = 256
MAX_TOPIC_NAME = 128
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


# ------------------------------------------------------------------------------------ bot & updates


@api("getMe")
def get_me(world: World, p: Params) -> dict[str, Any]:
    me = world.bot.json()
    me.update(
        can_join_groups=True,
        can_read_all_group_messages=not world.privacy_mode,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return me


@api("getUpdates", "offset limit timeout allowed_updates")
async def get_updates(world: World, p: Params) -> list[dict[str, Any]]:
    offset = p.int_("offset")
    limit = p.int_("limit", 100)
    limit = 100 if limit <= 0 or limit > 100 else limit
    timeout = max(p.int_("timeout"), 0)
    if world.webhook is not None:
        raise ApiError(409, WEBHOOK_ACTIVE)
    _set_allowed_updates(world, p)
    _confirm(world, offset)

    # Only one getUpdates may wait at a time: a newer request ends the older one with 409 Conflict.
    me = object()
    world.poller = me
    world.notify()
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while True:
            if world.webhook is not None:  # set while this request waited
                raise ApiError(409, WEBHOOK_ACTIVE)
            if world.poller is not me:
                raise ApiError(409, CONFLICT)
            if world.closed:
                return []
            ready = [u for u in world.updates if _allowed(world, u)][:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if ready or remaining <= 0:
                return ready
            await world.wait_change(remaining)
    finally:
        if world.poller is me:
            world.poller = None


def _set_allowed_updates(world: World, p: Params) -> None:
    """allowed_updates of getUpdates or setWebhook: remembered until the next one that names it."""
    allowed = p.json_("allowed_updates", "allowed_updates")
    if allowed is not None:
        if not isinstance(allowed, list):
            raise bad("can't parse allowed_updates JSON object")
        chosen = frozenset(str(kind) for kind in allowed) & UPDATE_TYPES
        world.allowed_updates = chosen or DEFAULT_UPDATE_TYPES


def _allowed(world: World, update: dict[str, Any]) -> bool:
    kind = next(k for k in update if k != "update_id")
    return kind in world.allowed_updates


def _confirm(world: World, offset: int) -> None:
    """offset confirms every update below it; a negative offset keeps only the last -offset updates."""
    if offset > 0:
        world.updates = [u for u in world.updates if u["update_id"] >= offset]
    elif offset < 0:
        world.updates = world.updates[offset:]
    # Updates of kinds the bot did not ask for are dropped, like Telegram does.
    world.updates = [u for u in world.updates if _allowed(world, u)]


@api("setWebhook", "url certificate ip_address max_connections allowed_updates drop_pending_updates secret_token")
def set_webhook(world: World, p: Params) -> bool:
    url = (p.str_("url") or "").strip()
    if not url:  # an empty URL removes the webhook, as deleteWebhook does
        return _remove_webhook(world, p)
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise bad("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        port = parts.port or 443
    except ValueError:
        raise bad("bad webhook: Wrong port number specified in the URL") from None  # approximation
    if port not in WEBHOOK_PORTS:
        raise bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    secret = p.str_("secret_token")
    if secret is not None:
        if len(secret) > MAX_SECRET_TOKEN:
            raise bad("secret token is too long")  # approximation of Telegram's wording
        if not re.fullmatch(r"[A-Za-z0-9_-]+", secret):
            raise bad("secret token contains unallowed characters")  # approximation of Telegram's wording
    if p.has("certificate"):
        raise bad("custom certificates are not supported by the simulator")
    # Telegram clamps max_connections to 1..100 (40 when not given).
    max_connections = min(max(p.int_("max_connections", 40), 1), 100)
    _set_allowed_updates(world, p)
    if p.bool_("drop_pending_updates"):
        world.updates.clear()
    world.webhook = WebhookRec(url=url, secret_token=secret, max_connections=max_connections)
    world.poller = None  # a getUpdates still waiting ends (with 409)
    return True


@api("deleteWebhook", "drop_pending_updates")
def delete_webhook(world: World, p: Params) -> bool:
    return _remove_webhook(world, p)


def _remove_webhook(world: World, p: Params) -> bool:
    """The updates waiting stay for getUpdates, unless drop_pending_updates."""
    if p.bool_("drop_pending_updates"):
        world.updates.clear()
    world.webhook = None
    return True


@api("getWebhookInfo")
def get_webhook_info(world: World, p: Params) -> dict[str, Any]:
    hook = world.webhook
    pending = sum(1 for update in world.updates if _allowed(world, update))
    info: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
    if hook is not None:
        info["url"] = hook.url
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message or ""
        info["max_connections"] = hook.max_connections
        if world.allowed_updates != DEFAULT_UPDATE_TYPES:
            info["allowed_updates"] = sorted(world.allowed_updates)
    return info


@api("logOut")
def log_out(world: World, p: Params) -> bool:
    return True


@api("close")
def close(world: World, p: Params) -> bool:
    return True


# --------------------------------------------------------------------------------- commands & profile

_COMMAND = re.compile(r"^[a-z0-9_]+$")
_SCOPES = {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
}


def _scope_key(p: Params) -> tuple[str, str]:
    scope = p.json_("scope", "BotCommandScope")
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad("unsupported bot command scope type")
    if scope["type"] in ("chat", "chat_administrators", "chat_member") and scope.get("chat_id") is None:
        raise bad("chat_id is empty")
    return json.dumps(scope, sort_keys=True), _language(p)


def _language(p: Params) -> str:
    code = p.str_("language_code") or ""
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad("invalid language code specified")
    return code


@api("setMyCommands", "commands scope language_code")
def set_my_commands(world: World, p: Params) -> bool:
    commands = p.json_("commands", "commands")
    if not isinstance(commands, list):
        raise bad("can't parse commands JSON object" if commands is not None else "commands are not specified")
    if len(commands) > 100:
        raise bad("BOT_COMMANDS_TOO_MUCH")
    clean = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad("can't parse BotCommand: expected an Object")
        command = str(item.get("command", "")).lstrip("/")
        description = str(item.get("description", ""))
        if not command:
            raise bad("command must be non-empty")
        if len(command) > 32:
            raise bad("command length must not exceed 32")
        if not _COMMAND.match(command):
            raise bad("BOT_COMMAND_INVALID")
        if not description.strip():
            raise bad("command description must be non-empty")
        if len(description) > 256:
            raise bad("command description length must not exceed 256")
        clean.append({"command": command, "description": description})
    world.commands[_scope_key(p)] = clean
    return True


@api("getMyCommands", "scope language_code")
def get_my_commands(world: World, p: Params) -> list[dict[str, str]]:
    return world.commands.get(_scope_key(p), [])


@api("deleteMyCommands", "scope language_code")
def delete_my_commands(world: World, p: Params) -> bool:
    world.commands.pop(_scope_key(p), None)
    return True


def _set_profile_text(world: World, p: Params, field: str, limit: int) -> bool:
    value = p.str_(field) or ""
    if len(value) > limit:
        raise bad(f"bot {field.replace('_', ' ')} is too long")
    world.bot_texts[(field, _language(p))] = value
    return True


@api("setMyName", "name language_code")
def set_my_name(world: World, p: Params) -> bool:
    return _set_profile_text(world, p, "name", 64)


@api("getMyName", "language_code")
def get_my_name(world: World, p: Params) -> dict[str, str]:
    return {"name": _get_profile_text(world, p, "name", world.bot.first_name)}


@api("setMyDescription", "description language_code")
def set_my_description(world: World, p: Params) -> bool:
    return _set_profile_text(world, p, "description", 512)


@api("getMyDescription", "language_code")
def get_my_description(world: World, p: Params) -> dict[str, str]:
    return {"description": _get_profile_text(world, p, "description", "")}


@api("setMyShortDescription", "short_description language_code")
def set_my_short_description(world: World, p: Params) -> bool:
    return _set_profile_text(world, p, "short_description", 120)


@api("getMyShortDescription", "language_code")
def get_my_short_description(world: World, p: Params) -> dict[str, str]:
    return {"short_description": _get_profile_text(world, p, "short_description", "")}


def _get_profile_text(world: World, p: Params, key: str, fallback: str) -> str:
    """The text for the asked language, else the one set for all languages, else the fallback."""
    return world.bot_texts.get((key, _language(p))) or world.bot_texts.get((key, "")) or fallback


@api("setChatMenuButton", "chat_id menu_button")
def set_chat_menu_button(world: World, p: Params) -> bool:
    chat_id = p.chat_id()
    key: int | None = None
    if chat_id is not None:
        chat = access.chat_for_bot(world, chat_id, write=False)
        if chat.type != "private":
            raise bad("chat is not a private chat")  # approximation of Telegram's wording
        key = chat.id
    button = p.json_("menu_button", "menu button")
    if button is None:
        button = {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise bad("unsupported menu button type")
    world.menu_buttons[key] = button
    return True


@api("getChatMenuButton", "chat_id")
def get_chat_menu_button(world: World, p: Params) -> dict[str, Any]:
    chat_id = p.chat_id()
    key = access.chat_for_bot(world, chat_id, write=False).id if chat_id is not None else None
    return world.menu_buttons.get(key) or world.menu_buttons.get(None) or {"type": "commands"}


# ------------------------------------------------------------------------------------- chats & members


@api("getChat", "chat_id")
def get_chat(world: World, p: Params) -> dict[str, Any]:
    chat = access.chat_for_bot(world, p.chat_id(), write=False)
    return world.chat_full_json(chat)


@api("getChatMember", "chat_id user_id")
def get_chat_member(world: World, p: Params) -> dict[str, Any]:
    chat = access.chat_for_bot(world, p.chat_id(), write=False)
    user = world.users.get(p.int_("user_id"))
    if user is None:
        raise bad("user not found")  # approximation of Telegram's wording
    if chat.type == "private" and user.id not in (chat.id, world.bot.id):
        raise bad("user not found")
    return world.member_json(chat, user)


@api("getChatAdministrators", "chat_id")
def get_chat_administrators(world: World, p: Params) -> list[dict[str, Any]]:
    chat = access.chat_for_bot(world, p.chat_id(), write=False)
    if chat.type == "private":
        raise bad("there are no administrators in the private chat")
    admins = [uid for uid, m in chat.members.items() if m.status in ("creator", "administrator")]
    return [world.member_json(chat, world.users[uid]) for uid in admins]


@api("getChatMemberCount", "chat_id")
def get_chat_member_count(world: World, p: Params) -> int:
    chat = access.chat_for_bot(world, p.chat_id(), write=False)
    if chat.type == "private":
        return 2
    return sum(1 for m in chat.members.values() if m.status not in ("left", "kicked"))


@api("sendChatAction", "business_connection_id chat_id message_thread_id action")
def send_chat_action(world: World, p: Params) -> bool:
    chat = access.chat_for_bot(world, p.chat_id(), write=True)
    access.send_thread(world, chat, p)
    if (p.str_("action") or "") not in CHAT_ACTIONS:
        raise bad("wrong parameter action in request")
    return True


# ---------------------------------------------------------------------------------------------- pins


def _service(world: World, chat: ChatRec, thread_id: int | None, service: dict[str, Any]) -> MessageRec:
    msg = MessageRec(
        chat_id=chat.id,
        message_id=chat.take_message_id(),
        sender_id=world.bot.id,
        date=world.clock.now(),
        thread_id=thread_id,
        service=service,
    )
    chat.messages[msg.message_id] = msg
    world.record_event(msg, "new")
    return msg


def _check_pin_rights(world: World, chat: ChatRec) -> None:
    if chat.type != "private" and not access.bot_can(world, chat, "can_pin_messages"):
        raise bad("not enough rights to manage pinned messages in the chat")


@api("pinChatMessage", "business_connection_id chat_id message_id disable_notification")
def pin_chat_message(world: World, p: Params) -> bool:
    chat = access.chat_for_bot(world, p.chat_id(), write=True)
    _check_pin_rights(world, chat)
    msg = chat.live(p.int_("message_id"))
    if msg is None:
        raise bad("message to pin not found")
    if msg.message_id in chat.pinned:
        chat.pinned.remove(msg.message_id)
    chat.pinned.append(msg.message_id)
    pinned = world.message_json(msg, nested=True)
    _service(world, chat, msg.thread_id, {"pinned_message": pinned})
    return True


@api("unpinChatMessage", "business_connection_id chat_id message_id")
def unpin_chat_message(world: World, p: Params) -> bool:
    chat = access.chat_for_bot(world, p.chat_id(), write=True)
    _check_pin_rights(world, chat)
    message_id = p.int_("message_id") or (chat.pinned[-1] if chat.pinned else 0)
    if message_id not in chat.pinned:
        raise bad("message to unpin not found")
    chat.pinned.remove(message_id)
    return True


@api("unpinAllChatMessages", "chat_id")
def unpin_all_chat_messages(world: World, p: Params) -> bool:
    chat = access.chat_for_bot(world, p.chat_id(), write=True)
    _check_pin_rights(world, chat)
    chat.pinned.clear()
    return True


# -------------------------------------------------------------------------------------------- topics


def _forum(world: World, p: Params) -> ChatRec:
    chat = access.chat_for_bot(world, p.chat_id(), write=True)
    if not chat.is_forum:
        raise bad("the chat is not a forum")
    return chat


def _topic_name(value: str | None) -> str:
    name = (value or "").strip()
    if not name:
        raise bad("title must be non-empty")  # approximation of Telegram's wording
    return name[:MAX_TOPIC_NAME]  # TDLib cuts longer names


@api("createForumTopic", "chat_id name icon_color icon_custom_emoji_id")
def create_forum_topic(world: World, p: Params) -> dict[str, Any]:
    chat = _forum(world, p)
    if not access.bot_can(world, chat, "can_manage_topics"):
        raise bad("not enough rights to create a topic")
    name = _topic_name(p.str_("name"))
    color = p.int_("icon_color", DEFAULT_ICON_COLOR)
    if color not in TOPIC_ICON_COLORS:
        raise bad("invalid icon color specified")  # approximation of Telegram's wording
    emoji = p.str_("icon_custom_emoji_id")
    thread_id = chat.next_message_id  # a topic is identified by its creation message
    topic = TopicRec(thread_id, name, color, world.bot.id, icon_custom_emoji_id=emoji)
    created: dict[str, Any] = {"name": name, "icon_color": color}
    if emoji:
        created["icon_custom_emoji_id"] = emoji
    _service(world, chat, thread_id, {"forum_topic_created": created})
    chat.topics[thread_id] = topic
    return topic.json()


def _check_topic_rights(world: World, chat: ChatRec, topic: TopicRec) -> None:
    if not access.bot_can(world, chat, "can_manage_topics") and topic.creator_id != world.bot.id:
        raise bad("not enough rights to manage the topic")  # approximation of Telegram's wording


def _topic_not_modified() -> ApiError:
    return bad("TOPIC_NOT_MODIFIED")


@api("editForumTopic", "chat_id message_thread_id name icon_custom_emoji_id")
def edit_forum_topic(world: World, p: Params) -> bool:
    chat = _forum(world, p)
    topic = access.topic_for_bot(chat, p)
    _check_topic_rights(world, chat, topic)
    edited: dict[str, Any] = {}
    if p.has("name"):
        name = _topic_name(p.str_("name"))
        if name != topic.name:
            edited["name"] = topic.name = name
    if "icon_custom_emoji_id" in p.raw:
        emoji = p.str_("icon_custom_emoji_id") or None
        if emoji != topic.icon_custom_emoji_id:
            topic.icon_custom_emoji_id = emoji
            edited["icon_custom_emoji_id"] = emoji or ""
    if not edited:
        raise _topic_not_modified()
    _service(world, chat, topic.thread_id, {"forum_topic_edited": edited})
    return True


@api("closeForumTopic", "chat_id message_thread_id")
def close_forum_topic(world: World, p: Params) -> bool:
    chat = _forum(world, p)
    topic = access.topic_for_bot(chat, p)
    _check_topic_rights(world, chat, topic)
    if topic.is_closed:
        raise _topic_not_modified()
    topic.is_closed = True
    _service(world, chat, topic.thread_id, {"forum_topic_closed": {}})
    return True


@api("reopenForumTopic", "chat_id message_thread_id")
def reopen_forum_topic(world: World, p: Params) -> bool:
    chat = _forum(world, p)
    topic = access.topic_for_bot(chat, p)
    _check_topic_rights(world, chat, topic)
    if not topic.is_closed:
        raise _topic_not_modified()
    topic.is_closed = False
    _service(world, chat, topic.thread_id, {"forum_topic_reopened": {}})
    return True


@api("deleteForumTopic", "chat_id message_thread_id")
def delete_forum_topic(world: World, p: Params) -> bool:
    chat = _forum(world, p)
    topic = access.topic_for_bot(chat, p)
    if not access.bot_can(world, chat, "can_delete_messages"):
        raise bad("not enough rights to delete the topic")  # approximation of Telegram's wording
    delete_topic(world, chat, topic)
    return True


def delete_topic(world: World, chat: ChatRec, topic: TopicRec) -> None:
    """A deleted topic takes all its messages with it."""
    topic.deleted = True
    for msg in chat.messages.values():
        if msg.thread_id == topic.thread_id and not msg.deleted:
            access.delete_message(world, chat, msg)
