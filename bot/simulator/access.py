"""Who may do what: resolving chat_id, topics, replies and reply markup the way Telegram checks them."""

from __future__ import annotations

from typing import Any

from . import html as fmt
from .params import Params, bad, forbidden
from .state import DELETE_WINDOW, ChatRec, MessageRec, TopicRec, World

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes

INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_INLINE_EXTRAS = ("style", "icon_custom_emoji_id")
_REPLY_KEYBOARD_FLAGS = ("is_persistent", "resize_keyboard", "one_time_keyboard", "input_field_placeholder")


def find_chat(world: World, chat_id: int | str | None) -> ChatRec:
    if chat_id is None:
        raise bad("chat_id is empty")
    if isinstance(chat_id, str):
        name = chat_id.lstrip("@").lower()
        for named in world.chats.values():
            if named.username and named.username.lower() == name:
                return named
        raise bad("chat not found")
    chat = world.chats.get(chat_id)
    if chat is None:
        raise bad("chat not found")
    return chat


def chat_for_bot(world: World, chat_id: int | str | None, *, write: bool) -> ChatRec:
    """The chat, if the bot can reach it. `write` = sending or editing (a blocked user refuses those)."""
    chat = find_chat(world, chat_id)
    if chat.type == "private":
        user = world.users[chat.user_id or chat.id]
        if not user.started:
            if write:
                raise forbidden("bot can't initiate conversation with a user")
            raise bad("chat not found")
        if write and user.blocked_bot:
            raise forbidden("bot was blocked by the user")
        return chat
    member = chat.members.get(world.bot.id)
    if member is None or member.status == "left":
        raise forbidden("bot is not a member of the supergroup chat")
    if member.status == "kicked":
        raise forbidden("bot was kicked from the supergroup chat")
    return chat


def bot_can(world: World, chat: ChatRec, right: str) -> bool:
    member = chat.members.get(world.bot.id)
    return member is not None and member.can(right)


def send_thread(world: World, chat: ChatRec, p: Params) -> int | None:
    """The topic a new message goes to; deleted or unknown topics are refused."""
    thread_id = p.int_("message_thread_id")
    if not thread_id:
        return None
    topic = chat.topics.get(thread_id)
    if topic is None or topic.deleted:
        raise bad("message thread not found")
    if topic.is_closed and not bot_can(world, chat, "can_manage_topics"):
        raise bad("TOPIC_CLOSED")
    return thread_id


def topic_for_bot(chat: ChatRec, p: Params) -> TopicRec:
    """The topic named by message_thread_id, for the topic-management methods."""
    if not chat.is_forum:
        raise bad("the chat is not a forum")
    thread_id = p.int_("message_thread_id")
    topic = chat.topics.get(thread_id)
    if topic is None or topic.deleted:
        raise bad("TOPIC_ID_INVALID")
    return topic


def reply_target(chat: ChatRec, p: Params) -> int | None:
    params = p.json_("reply_parameters", "reply parameters")
    allow_without = p.bool_("allow_sending_without_reply")
    if params is not None:
        if not isinstance(params, dict):
            raise bad("object expected as reply parameters")  # approximation of Telegram's wording
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad("message to be replied not found")
        allow_without = bool(params.get("allow_sending_without_reply", allow_without))
        other_chat = params.get("chat_id")
        if other_chat is not None and other_chat != chat.id:
            raise bad("replies to messages in other chats are not supported by the simulator")
    else:
        message_id = p.int_("reply_to_message_id")
    if not message_id:
        return None
    if chat.live(message_id) is None:
        if allow_without:
            return None
        raise bad("message to be replied not found")
    return message_id


def formatted(
    world: World,
    p: Params,
    *,
    text_field: str,
    mode_field: str = "parse_mode",
    entities_field: str = "entities",
    caption: bool = False,
) -> tuple[str, list[fmt.Entity]]:
    """Text or caption after parse_mode/entities and Telegram's clean-up. Length is not checked here."""
    text = p.str_(text_field) or ""
    mode = (p.str_(mode_field) or "").lower()
    try:
        if mode and mode != "none":
            if mode == "html":
                text, entities = fmt.parse_html(text, resolve_user=lambda uid: _known_user(world, uid))
            elif mode in ("markdown", "markdownv2"):
                raise bad(f"parse_mode {p.str_(mode_field)} is not supported by the simulator; use HTML")
            else:
                raise bad("unsupported parse_mode")
        else:
            raw = p.json_(entities_field, "entities")
            entities = fmt.check_entities(raw, text) if raw is not None else []
        return fmt.normalize(text, entities, allow_empty=caption)
    except fmt.EntityParseError as err:
        raise bad(f"can't parse entities: {err}") from None
    except fmt.EmptyTextError:
        raise bad("message must be non-empty") from None


def _known_user(world: World, user_id: int) -> dict[str, Any] | None:
    user = world.users.get(user_id)
    return user.json() if user is not None else None


def check_text_length(text: str, *, caption: bool, edit: bool = False) -> None:
    if caption and fmt.utf16_len(text) > MAX_CAPTION:
        raise bad("message caption is too long")
    if not caption and fmt.utf16_len(text) > MAX_TEXT:
        raise bad("MESSAGE_TOO_LONG" if edit else "message is too long")


def reply_markup(p: Params, *, inline_only: bool = False) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(inline keyboard for the message, reply-keyboard action for the chat) from `reply_markup`."""
    raw = p.json_("reply_markup", "reply keyboard markup")
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        raise bad("object expected as reply markup")
    if "inline_keyboard" in raw:
        return inline_keyboard(raw["inline_keyboard"]), None
    if inline_only:
        raise bad("inline keyboard expected")
    if "keyboard" in raw:
        return None, _reply_keyboard(raw)
    if raw.get("remove_keyboard") is True:
        return None, {"remove_keyboard": True}
    if raw.get("force_reply") is True:
        return None, {"force_reply": True}
    raise bad("can't parse reply keyboard markup JSON object")


def inline_keyboard(rows: Any) -> dict[str, Any]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    result: list[list[dict[str, Any]]] = []
    for row in rows:
        buttons = [_inline_button(button) for button in row]
        if buttons:
            result.append(buttons)
    return {"inline_keyboard": result}


def _inline_button(button: Any) -> dict[str, Any]:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad(prefix + "InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise bad(prefix + 'Field "text" must be of type String')
    if not text.strip():
        raise bad("BUTTON_TEXT_INVALID")
    actions = [name for name in INLINE_ACTIONS if button.get(name) is not None]
    if not actions:
        raise bad(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:  # the Bot API documents "exactly one"; refuse rather than guess which wins
        raise bad(prefix + f"exactly one of the optional fields must be used, found {', '.join(actions)}")
    action = actions[0]
    value = button[action]
    if action == "callback_data":
        if not isinstance(value, str):
            raise bad(prefix + 'Field "callback_data" must be of type String')
        if not 1 <= len(value.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad("BUTTON_DATA_INVALID")
    if action == "url" and (not isinstance(value, str) or not fmt.checked_link(value)):
        raise bad("BUTTON_URL_INVALID")
    normalized: dict[str, Any] = {"text": text, action: value}
    for extra in _INLINE_EXTRAS:
        if button.get(extra) is not None:
            normalized[extra] = button[extra]
    return normalized


def _reply_keyboard(raw: dict[str, Any]) -> dict[str, Any]:
    rows = raw["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
    result: list[list[dict[str, Any]]] = []
    for row in rows:
        buttons = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad("can't parse keyboard button: KeyboardButton must be a String or an Object")
            buttons.append(button)
        if buttons:
            result.append(buttons)
    keyboard: dict[str, Any] = {"keyboard": result}
    for flag in _REPLY_KEYBOARD_FLAGS:
        if raw.get(flag) is not None:
            keyboard[flag] = raw[flag]
    return keyboard


def apply_keyboard_action(chat: ChatRec, action: dict[str, Any] | None) -> None:
    if action is None:
        return
    if "keyboard" in action:
        chat.reply_keyboard = action
    elif action.get("remove_keyboard"):
        chat.reply_keyboard = None


def can_delete(world: World, chat: ChatRec, msg: MessageRec) -> bool:
    """Telegram's deleteMessage rules for bots (see the method's documentation)."""
    if msg.service and "forum_topic_created" in msg.service:
        return False
    if world.clock.now() - msg.date >= DELETE_WINDOW:
        return False
    if chat.type == "private":
        return True  # both the bot's and the user's messages
    if msg.sender_id == world.bot.id:
        return True
    return bot_can(world, chat, "can_delete_messages")


def delete_message(world: World, chat: ChatRec, msg: MessageRec) -> None:
    msg.deleted = True
    if msg.message_id in chat.pinned:
        chat.pinned.remove(msg.message_id)
    world.record_event(msg, "delete")
