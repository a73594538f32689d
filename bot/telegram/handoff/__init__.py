"""Telegram handlers of the handoff: her side (consent, triage, her case) and the advocates' group."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.content import callbacks as content_callbacks
from bot.content.registry import CANNED_PREFIX, HANDOFF_ACTION, HANDOFF_UNAVAILABLE_SCREEN, MENU_SCREEN
from bot.content.render import ButtonView, ScreenView
from bot.handoff.desks import REGIONS, DeskConfig, region_key
from bot.handoff.repository import Case
from bot.handoff.service import HELP, WHEN, RelayFile, Triage
from bot.images import readable_image
from bot.telegram.context import BotApplication, Context
from bot.telegram.handoff import callbacks
from bot.telegram.views import answer_query, escape, navigation_row, replace_view, shorten

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile serves bots files up to 20 MB
NOTE_MARKER = "!"  # an advocate's message starting with this stays in the topic (an internal note)
HELP_KEYS = {code: f"help_{name}" for code, name in HELP.items()}
WHEN_KEYS = {code: f"when_{name}" for code, name in WHEN.items()}


# ------------------------------------------------------------------------------------------ her side


async def start_handoff(update: Update, context: Context) -> None:
    """She agreed to what the advocate will see: ask the optional questions, or offer the hotlines."""
    pressed = _private_query(update)
    if pressed is None:
        return
    query, message = pressed
    await answer_query(query)
    if not context.bot_data.desks.enabled:
        await _offer_hotlines(context, query)
        return
    user = query.from_user
    language = await context.bot_data.services.guide.language_of(user.id, user.language_code)
    await replace_view(context.bot_data.services, message, _triage_view(context.bot_data.services, language, []))


async def triage_answer(update: Update, context: Context) -> None:
    """`1:h:t:<safe>:<help>:<when>[:<region>]`: one more answer each tap; the last one opens the case. Her
    region is asked only when a desk covers regions of its own (with national desks alone it changes nothing)."""
    pressed = _private_query(update)
    if pressed is None:
        return
    query, message = pressed
    await answer_query(query)
    step = callbacks.parse_triage(query.data)
    answers = list(step.answers) if step is not None else []
    user = query.from_user
    language = await context.bot_data.services.guide.language_of(user.id, user.language_code)
    if not context.bot_data.desks.enabled:
        await _offer_hotlines(context, query)
        return
    if len(answers) < (4 if context.bot_data.desks.asks_region() else 3):
        await replace_view(
            context.bot_data.services, message, _triage_view(context.bot_data.services, language, answers)
        )
        return
    triage = Triage(*(answer if answer else "-" for answer in answers[:3]))
    region = f"KZ-{answers[3]}" if len(answers) > 3 and f"KZ-{answers[3]}" in REGIONS else None
    route = context.bot_data.desks.route(region, language)
    if route is None:
        await _offer_hotlines(context, query)
        return
    # What she is told to expect, for the desk's figures: the usual wait from now, or from when it opens.
    answers_from = route.opens_at or context.bot_data.desks.now()
    promised_by = int(answers_from.timestamp()) + context.bot_data.settings.usual_reply_minutes * 60
    case = await context.bot_data.services.handoff.open_case(
        user.id, language, triage, route.desk.id, region, promised_by
    )
    await replace_view(context.bot_data.services, message, _case_opened_view(context, language, case))
    context.bot_data.desks.changed(case.id)


async def close_by_her(update: Update, context: Context) -> None:
    pressed = _private_query(update)
    if pressed is None:
        return
    query, message = pressed
    user = query.from_user
    case = await context.bot_data.services.handoff.close_by_survivor(user.id)
    language = await context.bot_data.services.guide.language_of(user.id, user.language_code)
    await answer_query(query, context.bot_data.services.content.ui(language).text("case_closed_by_you"))
    reply = await context.bot_data.services.guide.open(user.id, user.language_code, MENU_SCREEN)
    await replace_view(context.bot_data.services, message, reply.view)
    if case is not None:
        context.bot_data.desks.changed(case.id)


async def show_reply(update: Update, context: Context) -> None:
    """Discreet delivery: the neutral notice becomes the advocate's message when she taps Show."""
    pressed = _private_query(update)
    if pressed is None:
        return
    query, message = pressed
    user = query.from_user
    handoff = context.bot_data.services.handoff
    language = await context.bot_data.services.guide.language_of(user.id, user.language_code)
    show = callbacks.parse_show(query.data)
    found = await handoff.her_reply(show.item_id, user.id) if show is not None else None
    if found is None:
        await answer_query(query, context.bot_data.services.content.ui(language).text("message_gone"))
        return
    await answer_query(query)
    case, item = found
    if await handoff.first_show(item):
        await context.bot_data.desks.copy_to_survivor(case, user.id, item, protect=True, mark=False)
    if isinstance(message, Message):
        with contextlib.suppress(TelegramError):
            await message.delete()


def _private_query(update: Update) -> tuple[CallbackQuery, MaybeInaccessibleMessage] | None:
    """The button press and its message, if it comes from her private chat; her-side buttons live nowhere else."""
    query = update.callback_query
    if query is None or query.message is None or query.message.chat.type != query.message.chat.PRIVATE:
        return None
    return query, query.message


async def _offer_hotlines(context: Context, query: CallbackQuery) -> None:
    """The advocates' group is not usable right now: the hotlines instead of a case."""
    user = query.from_user
    reply = await context.bot_data.services.guide.open(user.id, user.language_code, HANDOFF_UNAVAILABLE_SCREEN)
    if isinstance(query.message, Message):
        await replace_view(context.bot_data.services, query.message, reply.view)


async def relay_from_her(update: Update, context: Context) -> bool:
    """Anything she sends while she has a case goes to its topic. True if it was taken."""
    message, user = update.message, update.effective_user
    if message is None or user is None or not context.bot_data.desks.enabled:
        return False
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    case = await context.bot_data.services.handoff.survivor_wrote(
        user.id, message.message_id, message.media_group_id, reply_to, _photo_as_file(message)
    )
    if case is None:
        return False
    context.bot_data.desks.changed(case.id)
    return True


def _photo_as_file(message: Message) -> RelayFile | None:
    """A photo she sent as a file. Telegram strips a photo's metadata (GPS position, camera, time) but not a
    file's, nor its name: the relay sends such a photo cleaned, under a neutral name. Other files, and photos
    too large for a bot to download, are copied as they are (the consent screen says so)."""
    document = message.document
    if document is None or message.animation is not None or not readable_image(document.mime_type, document.file_name):
        return None
    if document.file_size is not None and document.file_size > DOWNLOAD_LIMIT:
        return None
    return RelayFile(document.file_id, message.caption_html if message.caption else None)


def _triage_view(services: Services, language: str, answers: list[str]) -> ScreenView:
    ui = services.content.ui(language)
    step = callbacks.TriageStep(tuple(answers))
    skip = ButtonView(ui.text("answer_skip"), step.then(""))
    if not answers:
        question = ui.text("triage_safe_question")
        rows = [[ButtonView(ui.text("answer_yes"), step.then("y")), ButtonView(ui.text("answer_no"), step.then("n"))]]
    elif len(answers) == 1:
        question = ui.text("triage_help_question")
        rows = [[ButtonView(ui.text(key), step.then(code))] for code, key in HELP_KEYS.items()]
    elif len(answers) == 2:
        question = ui.text("triage_when_question")
        rows = [[ButtonView(ui.text(key), step.then(code))] for code, key in WHEN_KEYS.items()]
    else:
        # Her region, by its name in her language (the content's): two to a row, the three cities first.
        question = ui.text("triage_region_question")
        buttons = [ButtonView(ui.text(region_key(region)), step.then(region[3:])) for region in REGIONS]
        rows = [buttons[index : index + 2] for index in range(0, len(buttons), 2)]
    rows.append([skip])
    rows.append(navigation_row(ui))
    return ScreenView("handoff_triage", language, f"<b>{escape(question)}</b>", rows, len(question))


def _case_opened_view(context: Context, language: str, case: Case) -> ScreenView:
    """Her case is open: its code, which organisation answers (its name only, nothing of other desks), and an
    honest wait — "usually within N minutes", or when they answer from."""
    ui = context.bot_data.services.content.ui(language)
    desk = context.bot_data.desks.desk_of(case)
    now = context.bot_data.desks.now()
    parts = [ui.text("case_opened", code=case.code)]
    if desk is not None and desk.name:
        parts.append(ui.text("case_desk", name=desk.name))
    if desk is None or desk.hours.is_open(now):
        minutes = context.bot_data.settings.usual_reply_minutes
        parts.append(ui.text("wait_in_hours", duration=ui.plural("reply_minutes", minutes)))
    else:
        parts.append(ui.text("wait_off_hours", start=ui.weekday_time(desk.hours.next_start(now))))
    parts.append(ui.text("case_danger"))
    text = "\n\n".join(parts)
    rows = [[ButtonView(ui.text("button_close_case"), callbacks.CLOSE_DATA)], navigation_row(ui)]
    return ScreenView("handoff_case", language, escape(text), rows, len(text))


# ---------------------------------------------------------------------------------- advocates' groups


async def _desk_and_case_action(update: Update, context: Context) -> tuple[DeskConfig, CallbackQuery] | None:
    """A case card's button and the desk whose group it is in; None (the tap answered) if it is in no desk's."""
    query = update.callback_query
    if query is None:
        return None
    desk = context.bot_data.desks.by_chat(query.message.chat.id) if query.message is not None else None
    if desk is None:
        await answer_query(query)
        return None
    return desk, query


async def group_button(update: Update, context: Context) -> None:
    """Claim, release, close, reopen from the case card: the desk's named advocates only."""
    found = await _desk_and_case_action(update, context)
    if found is None:
        return
    desk, query = found
    action = callbacks.parse_case_action(query.data)
    case = await context.bot_data.services.handoff.case(action.case_id) if action is not None else None
    if case is not None and case.desk_id != desk.id:
        case = None  # a button of another desk's case (forged): nothing
    if not desk.is_advocate(query.from_user.id):
        await answer_query(query, context.bot_data.desks.ui(desk).text("not_on_desk_button"))
        return
    await answer_query(query)
    if action is not None and case is not None:
        await _act(context, case, action.verb, query.from_user.id, query.from_user.first_name)


async def group_command(update: Update, context: Context) -> None:
    """/claim, /release, /close, /reopen, /canned inside a case topic (advocates), /transfer (coordinators);
    /note stays in the topic."""
    found = await _case_topic(update, context)
    if found is None:
        return
    desk, case, message, user_id = found
    words = (message.text or "").split()
    command = words[0].lstrip("/").split("@")[0]
    if command == "note":
        return
    if command == "transfer":
        await _transfer(context, desk, case, message, user_id, words[1] if len(words) > 1 else None)
        return
    if not desk.is_advocate(user_id):
        await context.bot_data.desks.tell_stranger(desk, message.message_thread_id or 0, user_id)
        return
    if command == "canned":
        await _offer_canned(context, desk, case)
        return
    first_name = message.from_user.first_name if message.from_user else ""
    await _act(context, case, command, user_id, first_name)


async def _transfer(
    context: Context, desk: DeskConfig, case: Case, message: Message, user_id: int, target: str | None
) -> None:
    """/transfer <desk id> (the desk's coordinators): the case moves to another usable desk."""
    desks = context.bot_data.desks
    ui = desks.ui(desk)
    if not desk.is_coordinator(user_id):
        await message.reply_text(ui.text("transfer_not_coordinator"))
        return
    others = [other for other in desks.usable() if other.id != desk.id]
    to = next((other for other in others if other.id == target), None)
    if to is None or not case.is_open:
        listed = ", ".join(f"{other.id} ({other.name or other.id})" for other in others) or "—"
        await message.reply_text(ui.text("transfer_usage", desks=listed))
        return
    await desks.transfer(case, to, user_id)


async def _case_topic(update: Update, context: Context) -> tuple[DeskConfig, Case, Message, int] | None:
    """The desk, case, message and sender of a message in a case topic of a desk's group; None otherwise."""
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot or not message.is_topic_message:
        return None
    desk = context.bot_data.desks.by_chat(message.chat.id)
    if desk is None:
        return None
    case = await context.bot_data.services.handoff.case_in_topic(desk, message.message_thread_id or 0)
    if case is None:
        return None
    return desk, case, message, message.from_user.id


async def _offer_canned(context: Context, desk: DeskConfig, case: Case) -> None:
    """The editors' canned replies, labelled in the desk's language, sent in hers."""
    ui, pack = context.bot_data.desks.ui(desk), context.bot_data.services.content.tree.packs[desk.language]
    rows = [
        [
            InlineKeyboardButton(
                _label(str(pack.ui[key])), callback_data=callbacks.Canned(case.id, key[len(CANNED_PREFIX) :]).data()
            )
        ]
        for key in sorted(pack.ui)
        if key.startswith(CANNED_PREFIX)
    ]
    await context.bot.send_message(
        desk.chat_id, ui.text("replies_title"), message_thread_id=case.thread_id,
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
    )  # fmt: skip


async def send_canned(update: Update, context: Context) -> None:
    """A canned reply chosen: posted in the topic (colleagues see what was sent), then relayed to her."""
    found = await _desk_and_case_action(update, context)
    if found is None:
        return
    desk, query = found
    if not desk.is_advocate(query.from_user.id):
        await answer_query(query, context.bot_data.desks.ui(desk).text("not_on_desk_button"))
        return
    canned = callbacks.parse_canned(query.data)
    handoff = context.bot_data.services.handoff
    case = await handoff.case(canned.case_id) if canned is not None else None
    await answer_query(query)
    if canned is None or case is None or case.desk_id != desk.id:
        return
    key = CANNED_PREFIX + canned.name
    if key not in context.bot_data.services.content.tree.packs[case.language].ui:
        return
    text = context.bot_data.services.content.ui(case.language).text(key)
    # Not protected: a protected message could not be copied on to her.
    posted = await context.bot.send_message(desk.chat_id, text, message_thread_id=case.thread_id, protect_content=False)
    if await handoff.advocate_wrote(case, posted.message_id, None):
        context.bot_data.desks.wake()
    else:
        notice = "notice_blocked" if case.blocked else "notice_not_delivered"
        await posted.reply_text(context.bot_data.desks.ui(desk).text(notice))


def _label(text: str) -> str:
    return shorten(text, 40)


async def _act(context: Context, case: Case, verb: str, advocate_id: int, name: str) -> None:
    acted = await context.bot_data.services.handoff.act(case, verb, advocate_id, name)
    if acted is not None:
        context.bot_data.desks.changed(acted.id)


async def group_message(update: Update, context: Context) -> None:
    """Someone wrote in a case topic: to her if a named advocate of the desk wrote it and it is not a note;
    anyone else in the group is told once that it does not reach her."""
    found = await _case_topic(update, context)
    if found is None:
        return
    desk, case, message, user_id = found
    if message.text is None and message.effective_attachment is None:
        return  # service messages: topic created, closed, pinned…
    if (message.text or message.caption or "").startswith(NOTE_MARKER):
        return
    if not desk.is_advocate(user_id):
        await context.bot_data.desks.tell_stranger(desk, message.message_thread_id or 0, user_id)
        return
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    if reply_to == message.message_thread_id:
        reply_to = None  # in a topic every message "replies" to the topic's first message
    handoff = context.bot_data.services.handoff
    if await handoff.advocate_wrote(case, message.message_id, reply_to):
        context.bot_data.desks.wake()
        return
    notice = "notice_blocked" if case.blocked else "notice_not_delivered"
    await message.reply_text(context.bot_data.desks.ui(desk).text(notice))


async def desk_command(update: Update, context: Context) -> None:
    """In a desk's group (its general topic, or anywhere in it): /cases — the desk's open cases, most urgent and
    longest waiting first, with who holds each (advocates and coordinators); /desk — its settings and figures
    (coordinators)."""
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return
    desks = context.bot_data.desks
    desk = desks.by_chat(message.chat.id)
    if desk is None or not desks.is_usable(desk):
        return
    user_id, ui = message.from_user.id, desks.ui(desk)
    command = (message.text or "").split()[0].lstrip("/").split("@")[0]
    if command == "desk":
        allowed = desk.is_coordinator(user_id)
        text = await desks.desk_text(desk) if allowed else ui.text("coordinators_only")
    else:
        allowed = desk.is_advocate(user_id) or desk.is_coordinator(user_id)
        text = await desks.queue_text(desk) if allowed else ui.text("not_on_desk_button")
    await message.reply_text(text)


async def periodic(context: Context) -> None:
    await context.bot_data.desks.periodic()


# Messages in any supergroup: the handlers answer only in a configured desk's group (the desks can change on
# reload, so the filter cannot name the groups).
GROUP_MESSAGES = filters.ChatType.SUPERGROUP & filters.UpdateType.MESSAGE


def register(application: BotApplication) -> None:
    """Registered before the generic handlers of the same group, so these buttons never reach them."""
    application.add_handler(
        CallbackQueryHandler(start_handoff, pattern=f"^{content_callbacks.for_action(HANDOFF_ACTION)}$")
    )
    application.add_handler(CallbackQueryHandler(triage_answer, pattern=callbacks.TRIAGE_PATTERN))
    application.add_handler(CallbackQueryHandler(close_by_her, pattern=callbacks.CLOSE_PATTERN))
    application.add_handler(CallbackQueryHandler(show_reply, pattern=callbacks.SHOW_PATTERN))
    application.add_handler(CallbackQueryHandler(group_button, pattern=callbacks.CASE_ACTION_PATTERN))
    application.add_handler(CallbackQueryHandler(send_canned, pattern=callbacks.CANNED_PATTERN))
    application.add_handler(
        CommandHandler(
            ["claim", "release", "close", "reopen", "note", "canned", "transfer"], group_command, filters=GROUP_MESSAGES
        )
    )
    application.add_handler(CommandHandler(["cases", "desk"], desk_command, filters=GROUP_MESSAGES))
    application.add_handler(MessageHandler(GROUP_MESSAGES & ~filters.COMMAND, group_message))
