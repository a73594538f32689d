"""Bot API methods that create, change or remove messages, and callback query answers."""

from __future__ import annotations

import itertools
import random
import re
from typing import Any

from . import access
from .media import guess_mime, image_size
from .params import SEND_COMMON, Params, api, bad
from .state import GETFILE_LIMIT, ChatRec, FileRec, MessageRec, World

CALLBACK_ANSWER_WINDOW = 15  # seconds; later answers are refused like Telegram does for stale queries
MAX_CALLBACK_ANSWER = 200
MEDIA_KINDS = ("photo", "document", "voice", "video")


def new_bot_message(
    world: World, chat: ChatRec, p: Params, *, thread_id: int | None, reply_to: int | None, **content: Any
) -> MessageRec:
    msg = MessageRec(
        chat_id=chat.id,
        message_id=chat.take_message_id(),
        sender_id=world.bot.id,
        date=world.clock.now(),
        thread_id=thread_id,
        reply_to_message_id=reply_to,
        protect_content=p.bool_("protect_content"),
        disable_notification=p.bool_("disable_notification"),
        **content,
    )
    chat.messages[msg.message_id] = msg
    world.record_event(msg, "new")
    return msg


def _send_context(world: World, p: Params) -> tuple[ChatRec, int | None, int | None]:
    chat = access.chat_for_bot(world, p.chat_id(), write=True)
    thread_id = access.send_thread(world, chat, p)
    return chat, thread_id, access.reply_target(chat, p)


@api("sendMessage", SEND_COMMON + " text parse_mode entities link_preview_options disable_web_page_preview")
def send_message(world: World, p: Params) -> dict[str, Any]:
    chat, thread_id, reply_to = _send_context(world, p)
    if not p.str_("text"):
        raise bad("message text is empty")
    text, entities = access.formatted(world, p, text_field="text")
    access.check_text_length(text, caption=False)
    inline, keyboard = access.reply_markup(p)
    p.json_("link_preview_options", "link preview options")
    msg = new_bot_message(
        world, chat, p, thread_id=thread_id, reply_to=reply_to, text=text, entities=entities, reply_markup=inline
    )
    access.apply_keyboard_action(chat, keyboard)
    return world.message_json(msg)


# ---------------------------------------------------------------------------------------------- media


def _file_from_input(world: World, p: Params, field: str, kind: str, value: Any = None) -> list[FileRec]:
    """An uploaded file (multipart part or attach://name) or an existing file_id, as stored files."""
    upload = p.uploads.get(field)
    if value is None:
        value = p.value(field)
    if upload is None and isinstance(value, str) and value.startswith("attach://"):
        upload = p.uploads.get(value[len("attach://") :])
        if upload is None:
            raise bad(f"file {value} not found in the request")
    if upload is not None:
        p.typed[field] = upload
        if not upload.data:
            raise bad("file must be non-empty")
        return _store_upload(world, p, kind, upload.data, upload.filename, upload.content_type)
    if value is None:
        raise bad(f"there is no {kind} in the request")
    if not isinstance(value, str):
        raise bad(f"wrong type of the {kind} specified")
    p.typed[field] = value
    existing = world.files.get(value.strip())
    if existing is None:
        # An unknown id, or an HTTP URL: the simulator never fetches URLs (no internet in tests).
        raise bad("wrong file identifier/HTTP URL specified")
    if existing.kind != kind:
        raise bad("type of file mismatch")
    return world.photo_sets.get(existing.file_id, [existing]) if kind == "photo" else [existing]


def _store_upload(
    world: World, p: Params, kind: str, data: bytes, filename: str | None, content_type: str | None
) -> list[FileRec]:
    if kind == "photo":
        size = image_size(data)
        if size is None:
            raise bad("IMAGE_PROCESS_FAILED")
        return world.add_photo(data, *size)
    if kind == "voice":
        return [world.add_file("voice", data, mime_type="audio/ogg", duration=p.int_("duration"))]
    if kind == "video":
        meta = {"width": p.int_("width"), "height": p.int_("height"), "duration": p.int_("duration")}
        return [world.add_file("video", data, mime_type=guess_mime(filename, "video/mp4"), **meta)]
    name = filename or "document"
    return [world.add_file("document", data, file_name=name, mime_type=guess_mime(name))]


def _caption(world: World, p: Params) -> tuple[str, list[Any]]:
    caption, entities = access.formatted(
        world, p, text_field="caption", entities_field="caption_entities", caption=True
    )
    access.check_text_length(caption, caption=True)
    return caption, entities


def _send_media(world: World, p: Params, kind: str) -> dict[str, Any]:
    chat, thread_id, reply_to = _send_context(world, p)
    caption, caption_entities = _caption(world, p)
    inline, keyboard = access.reply_markup(p)
    files = _file_from_input(world, p, kind, kind)
    msg = new_bot_message(
        world,
        chat,
        p,
        thread_id=thread_id,
        reply_to=reply_to,
        media_kind=kind,
        files=files,
        caption=caption or None,
        caption_entities=caption_entities,
        reply_markup=inline,
        show_caption_above_media=p.bool_("show_caption_above_media"),
        has_spoiler=p.bool_("has_spoiler"),
    )
    access.apply_keyboard_action(chat, keyboard)
    return world.message_json(msg)


_CAPTION_PARAMS = " caption parse_mode caption_entities show_caption_above_media has_spoiler"


@api("sendPhoto", SEND_COMMON + " photo" + _CAPTION_PARAMS)
def send_photo(world: World, p: Params) -> dict[str, Any]:
    return _send_media(world, p, "photo")


@api("sendDocument", SEND_COMMON + " document thumbnail disable_content_type_detection" + _CAPTION_PARAMS)
def send_document(world: World, p: Params) -> dict[str, Any]:
    return _send_media(world, p, "document")


@api("sendVoice", SEND_COMMON + " voice duration" + _CAPTION_PARAMS)
def send_voice(world: World, p: Params) -> dict[str, Any]:
    return _send_media(world, p, "voice")


@api(
    "sendVideo",
    SEND_COMMON + " video duration width height thumbnail cover start_timestamp supports_streaming" + _CAPTION_PARAMS,
)
def send_video(world: World, p: Params) -> dict[str, Any]:
    return _send_media(world, p, "video")


@api("sendMediaGroup", SEND_COMMON + " media")
def send_media_group(world: World, p: Params) -> list[dict[str, Any]]:
    chat, thread_id, reply_to = _send_context(world, p)
    if p.has("reply_markup"):
        raise bad("reply markup is not supported for media groups")  # the Bot API has no such parameter
    items = p.json_("media", "media")
    if not isinstance(items, list):
        raise bad("media must be an Array")  # approximation of Telegram's wording
    if not 2 <= len(items) <= 10:
        raise bad("media must include 2-10 items")  # approximation of Telegram's wording
    kinds = set()
    prepared = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") not in ("photo", "video", "document", "audio"):
            raise bad("can't parse InputMedia: unsupported media type")
        if item["type"] == "audio":
            raise bad("audio in media groups is not supported by the simulator")
        kinds.add("document" if item["type"] == "document" else "visual")
        item_params = Params({k: v for k, v in item.items() if k != "media"}, p.uploads)
        caption, entities = _caption(world, item_params)
        files = _file_from_input(world, item_params, "media", item["type"], value=item.get("media"))
        prepared.append((item, files, caption, entities, item_params))
    if len(kinds) > 1:
        raise bad("can't use the media of the specified type in the album")
    group_id = str(random.randint(10**17, 10**18 - 1))
    result = []
    for item, files, caption, entities, item_params in prepared:
        msg = new_bot_message(
            world,
            chat,
            p,
            thread_id=thread_id,
            reply_to=reply_to,
            media_kind=item["type"],
            files=files,
            caption=caption or None,
            caption_entities=entities,
            media_group_id=group_id,
            has_spoiler=item_params.bool_("has_spoiler"),
        )
        result.append(world.message_json(msg))
    return result


@api("getFile", "file_id")
def get_file(world: World, p: Params) -> dict[str, Any]:
    file_id = p.str_("file_id")
    if not file_id:
        raise bad("file_id not specified")
    rec = world.files.get(file_id.strip())
    if rec is None:
        raise bad("invalid file_id")
    if rec.size > GETFILE_LIMIT:
        raise bad("file is too big")
    return rec.file_json()


# ------------------------------------------------------------------------------------- edit & delete


def _message_to_edit(world: World, p: Params) -> tuple[ChatRec, MessageRec]:
    if p.has("inline_message_id"):
        raise bad("MESSAGE_ID_INVALID")  # the simulator has no inline messages
    chat = access.chat_for_bot(world, p.chat_id(), write=True)
    message_id = p.int_("message_id")
    if not message_id:
        raise bad("message identifier is not specified")
    msg = chat.live(message_id)
    if msg is None:
        raise bad("message to edit not found")
    if msg.sender_id != world.bot.id or msg.is_service:
        raise bad("message can't be edited")
    return chat, msg


def _finish_edit(world: World, msg: MessageRec, changed: bool) -> dict[str, Any]:
    if not changed:
        raise bad(
            "message is not modified: specified new message content and reply markup are exactly the same "
            "as a current content and reply markup of the message"
        )
    msg.edit_date = world.clock.now()
    world.record_event(msg, "edit")
    return world.message_json(msg)


_EDIT_COMMON = "business_connection_id chat_id message_id inline_message_id reply_markup"


@api("editMessageText", _EDIT_COMMON + " text parse_mode entities link_preview_options disable_web_page_preview")
def edit_message_text(world: World, p: Params) -> dict[str, Any]:
    _chat, msg = _message_to_edit(world, p)
    if not p.str_("text"):
        raise bad("message text is empty")
    if msg.text is None:
        raise bad("there is no text in the message to edit")
    text, entities = access.formatted(world, p, text_field="text")
    access.check_text_length(text, caption=False, edit=True)
    # Without reply_markup Telegram removes the inline keyboard: the edit replaces the whole message.
    inline, _ = access.reply_markup(p, inline_only=True)
    p.json_("link_preview_options", "link preview options")
    changed = (text, entities, inline) != (msg.text, msg.entities, msg.reply_markup)
    msg.text, msg.entities, msg.reply_markup = text, entities, inline
    return _finish_edit(world, msg, changed)


@api("editMessageCaption", _EDIT_COMMON + " caption parse_mode caption_entities show_caption_above_media")
def edit_message_caption(world: World, p: Params) -> dict[str, Any]:
    _chat, msg = _message_to_edit(world, p)
    if msg.media_kind is None:
        raise bad("there is no caption in the message to edit")
    caption, entities = _caption(world, p)
    inline, _ = access.reply_markup(p, inline_only=True)
    above = p.bool_("show_caption_above_media")
    old = (msg.caption or "", msg.caption_entities, msg.reply_markup, msg.show_caption_above_media)
    changed = (caption, entities, inline, above) != old
    msg.caption, msg.caption_entities, msg.reply_markup = caption or None, entities, inline
    msg.show_caption_above_media = above
    return _finish_edit(world, msg, changed)


@api("editMessageReplyMarkup", _EDIT_COMMON)
def edit_message_reply_markup(world: World, p: Params) -> dict[str, Any]:
    _chat, msg = _message_to_edit(world, p)
    inline, _ = access.reply_markup(p, inline_only=True)
    changed = inline != msg.reply_markup and not (inline == {"inline_keyboard": []} and msg.reply_markup is None)
    msg.reply_markup = inline
    return _finish_edit(world, msg, changed)


@api("deleteMessage", "chat_id message_id")
def delete_message(world: World, p: Params) -> bool:
    chat = access.chat_for_bot(world, p.chat_id(), write=False)
    message_id = p.int_("message_id")
    if not message_id:
        raise bad("message identifier is not specified")
    msg = chat.live(message_id)
    if msg is None:
        raise bad("message to delete not found")
    if not access.can_delete(world, chat, msg):
        raise bad("message can't be deleted")
    access.delete_message(world, chat, msg)
    return True


def _message_ids(p: Params, name: str = "message_ids") -> list[int]:
    ids = p.json_(name, "message_ids")
    if ids is None:
        raise bad("message identifiers are not specified")
    if not isinstance(ids, list):
        raise bad("expected an Array of message identifiers")
    if not ids:
        raise bad("message identifiers are not specified")
    if len(ids) > 100:
        raise bad("too many message identifiers specified")
    if any(isinstance(i, bool) or not isinstance(i, int) or i <= 0 for i in ids):
        raise bad("invalid message identifier specified")
    return ids


@api("deleteMessages", "chat_id message_ids")
def delete_messages(world: World, p: Params) -> bool:
    chat = access.chat_for_bot(world, p.chat_id(), write=False)
    for message_id in _message_ids(p):
        msg = chat.live(message_id)
        # Missing messages are skipped; so are those the bot may not delete (e.g. older than 48 h).
        if msg is not None and access.can_delete(world, chat, msg):
            access.delete_message(world, chat, msg)
    return True


# ------------------------------------------------------------------------------------- copy & forward


def _source_message(world: World, p: Params, missing: str) -> MessageRec:
    if not p.has("from_chat_id"):
        raise bad('parameter "from_chat_id" is required')
    source_chat = access.chat_for_bot(world, p.chat_id("from_chat_id"), write=False)
    msg = source_chat.live(p.int_("message_id"))
    if msg is None:
        raise bad(missing)
    return msg


def _check_copyable(msg: MessageRec, verb: str) -> None:
    if msg.is_service:
        raise bad(f"the message can't be {verb}")
    if msg.protect_content:
        raise bad("message has protected content and can't be forwarded")


def _copy_into(
    world: World, p: Params, chat: ChatRec, src: MessageRec, thread_id: int | None, reply_to: int | None, **over: Any
) -> MessageRec:
    content: dict[str, Any] = {
        "text": src.text,
        "entities": list(src.entities),
        "media_kind": src.media_kind,
        "files": list(src.files),
        "caption": src.caption,
        "caption_entities": list(src.caption_entities),
        "show_caption_above_media": src.show_caption_above_media,
        "has_spoiler": src.has_spoiler,
    }
    content.update(over)
    return new_bot_message(world, chat, p, thread_id=thread_id, reply_to=reply_to, **content)


_COPY_PARAMS = (
    " from_chat_id message_id caption parse_mode caption_entities show_caption_above_media video_start_timestamp"
)


@api("copyMessage", SEND_COMMON + _COPY_PARAMS)
def copy_message(world: World, p: Params) -> dict[str, Any]:
    src = _source_message(world, p, "message to copy not found")
    _check_copyable(src, "copied")
    chat, thread_id, reply_to = _send_context(world, p)
    over: dict[str, Any] = {}
    if src.media_kind is not None and p.value("caption") is not None:
        caption, entities = _caption(world, p)
        over.update(caption=caption or None, caption_entities=entities)
    if src.media_kind is not None and p.has("show_caption_above_media"):
        over["show_caption_above_media"] = p.bool_("show_caption_above_media")
    inline, keyboard = access.reply_markup(p)
    msg = _copy_into(world, p, chat, src, thread_id, reply_to, reply_markup=inline, **over)
    access.apply_keyboard_action(chat, keyboard)
    return {"message_id": msg.message_id}


def _many_sources(world: World, p: Params) -> tuple[ChatRec, list[MessageRec]]:
    if not p.has("from_chat_id"):
        raise bad('parameter "from_chat_id" is required')
    source_chat = access.chat_for_bot(world, p.chat_id("from_chat_id"), write=False)
    ids = _message_ids(p)
    if any(b <= a for a, b in itertools.pairwise(ids)):
        raise bad("message identifiers must be in a strictly increasing order")
    found = [m for m in (source_chat.live(i) for i in ids) if m is not None]
    return source_chat, found


@api(
    "copyMessages",
    "chat_id message_thread_id direct_messages_topic_id from_chat_id message_ids disable_notification "
    "protect_content remove_caption",
)
def copy_messages(world: World, p: Params) -> list[dict[str, int]]:
    _source_chat, sources = _many_sources(world, p)
    chat = access.chat_for_bot(world, p.chat_id(), write=True)
    thread_id = access.send_thread(world, chat, p)
    copyable = [m for m in sources if not m.is_service and not m.protect_content]
    if not copyable:
        raise bad("there are no messages to forward")
    remove_caption = p.bool_("remove_caption")
    result = []
    # "Album grouping is kept for copied messages" (Bot API): each source album becomes one new album.
    new_groups: dict[str, str] = {}
    for src in copyable:
        over: dict[str, Any] = {"caption": None, "caption_entities": []} if remove_caption else {}
        if src.media_group_id:
            over["media_group_id"] = new_groups.setdefault(src.media_group_id, str(random.randint(10**17, 2**63 - 1)))
        msg = _copy_into(world, p, chat, src, thread_id, None, **over)
        result.append({"message_id": msg.message_id})
    return result


def _forward_origin(world: World, src: MessageRec) -> dict[str, Any]:
    if src.forward_origin is not None:
        return src.forward_origin
    return {"type": "user", "date": src.date, "sender_user": world.users[src.sender_id].json()}


@api(
    "forwardMessage",
    "chat_id message_thread_id direct_messages_topic_id from_chat_id message_id video_start_timestamp "
    "disable_notification protect_content suggested_post_parameters message_effect_id",
)
def forward_message(world: World, p: Params) -> dict[str, Any]:
    src = _source_message(world, p, "message to forward not found")
    _check_copyable(src, "forwarded")
    chat = access.chat_for_bot(world, p.chat_id(), write=True)
    thread_id = access.send_thread(world, chat, p)
    msg = _copy_into(world, p, chat, src, thread_id, None, forward_origin=_forward_origin(world, src))
    return world.message_json(msg)


@api(
    "forwardMessages",
    "chat_id message_thread_id direct_messages_topic_id from_chat_id message_ids disable_notification protect_content",
)
def forward_messages(world: World, p: Params) -> list[dict[str, int]]:
    _source_chat, sources = _many_sources(world, p)
    chat = access.chat_for_bot(world, p.chat_id(), write=True)
    thread_id = access.send_thread(world, chat, p)
    usable = [m for m in sources if not m.is_service and not m.protect_content]
    if not usable:
        raise bad("there are no messages to forward")
    result = []
    for src in usable:
        msg = _copy_into(world, p, chat, src, thread_id, None, forward_origin=_forward_origin(world, src))
        result.append({"message_id": msg.message_id})
    return result


# ------------------------------------------------------------------------------------------ callbacks


@api("answerCallbackQuery", "callback_query_id text show_alert url cache_time")
def answer_callback_query(world: World, p: Params) -> bool:
    query_id = p.str_("callback_query_id")
    query = world.callback_queries.get(query_id or "")
    stale = query is None or query.answered or world.clock.now() - query.created > CALLBACK_ANSWER_WINDOW
    if query is None or stale:
        raise bad("query is too old and response timeout expired or query ID is invalid")
    text = p.str_("text") or ""
    if len(text) > MAX_CALLBACK_ANSWER:
        raise bad("MESSAGE_TOO_LONG")
    url = p.str_("url")
    start_link = re.compile(rf"^(https?://)?t\.me/{re.escape(world.bot.username or '')}\?start=\w{{1,64}}$", re.I)
    if url and not start_link.match(url):
        raise bad("URL_INVALID")  # besides games, only t.me/<this bot>?start=... links may be opened
    query.answered = True
    query.answer = {"text": text or None, "show_alert": p.bool_("show_alert"), "cache_time": p.int_("cache_time")}
    return True
