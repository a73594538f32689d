"""The advocates' desk: everything the bot does in the advocates' forum group.

One topic per case, a case card kept current, a pinned queue, and the relay that delivers the outbox in
both directions with copyMessage (never "Forwarded from"). Delivery is at least once and in order per case
and direction; Telegram's 429 (retry_after), 5xx and timeouts delay a message, a deleted topic is created
again, and a survivor who blocked the bot is reported in the topic instead of retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import TYPE_CHECKING

from telegram import (
    Bot,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.content.i18n import Localizer
from bot.handoff.repository import Case, DeskStateRepository, ErasedTopic, OutboxItem
from bot.handoff.service import HELP, SAFE, WHEN, HandoffService, RelayFile, Triage
from bot.images import without_metadata
from bot.telegram.handoff import callbacks
from bot.telegram.handoff.callbacks import CaseVerb

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.services import Services

log = logging.getLogger(__name__)

TOPIC_GONE = ("thread not found", "topic_deleted", "topic deleted", "topic_id_invalid")
SOURCE_GONE = ("message to copy not found", "message_id_invalid", "message not found")
MAX_BACKOFF = 60
QUEUE_MESSAGE_KEY = "queue_message_id"
CARD_REFRESH_SECONDS = 300


class Desk:
    def __init__(self, bot: Bot, services: Services, settings: Settings) -> None:
        self.bot = bot
        self.services = services
        self.chat_id = settings.advocate_chat_id
        self.language = settings.advocate_language
        self.ping_minutes = settings.unclaimed_ping_minutes
        self.retention_days = settings.case_retention_days
        self.audit_retention_days = settings.audit_retention_days
        self.enabled = False
        self._state = DeskStateRepository(services.database)
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one delivery pass at a time
        # Group messages are limited (20 a minute): only what changed is edited, in the relay's own task,
        # never while a handler is running.
        self._dirty: set[int] = set()
        self._shown: dict[int, tuple[str, str, bool]] = {}  # case id -> (card text, topic name, open)
        self._queue_text: str | None = None
        self._cards_refreshed_at = 0.0
        self._erased_not_before = 0.0  # after a failure to tell an erased case's topic: when to try again
        self._erased_tries = 0
        self._queue_stale = False  # a case left the queue without a change of its own to refresh it

    @property
    def group_id(self) -> int:
        """The advocates' group; the desk talks to it only when it is configured (and enabled)."""
        if self.chat_id is None:
            raise RuntimeError("no advocates' group is configured")
        return self.chat_id

    @property
    def handoff(self) -> HandoffService:
        return self.services.handoff

    def ui(self) -> Localizer:
        return self.services.content.ui(self.language)

    # ------------------------------------------------------------------------------------------- set-up

    async def check_group(self) -> bool:
        """Is the advocates' group usable? One clear log line if not; survivors then get the hotlines."""
        if self.chat_id is None:
            self.enabled = False
            return False
        missing = []
        try:
            chat = await self.bot.get_chat(self.chat_id)
            if not chat.is_forum:
                missing.append("topics are not turned on in the group (it must be a forum)")
            member = await self.bot.get_chat_member(self.chat_id, self.bot.id)
            if not isinstance(member, ChatMemberAdministrator):
                missing.append("the bot is not an administrator of the group")
            else:
                if not member.can_manage_topics:
                    missing.append("the bot lacks the right to manage topics")
                if not member.can_delete_messages:
                    missing.append("the bot lacks the right to delete messages")
        except TelegramError as error:
            missing.append(f"the group cannot be reached ({type(error).__name__})")
        was = self.enabled
        self.enabled = not missing
        if missing:
            log.error(
                "handoff disabled: BOT_ADVOCATE_CHAT_ID: %s; survivors are offered the hotlines", "; ".join(missing)
            )
        elif not was:
            log.info("handoff enabled")
        return self.enabled

    # ------------------------------------------------------------------------------------- topics, card

    async def ensure_topic(self, case: Case) -> Case:
        if case.thread_id is not None:
            return case
        topic = await self.bot.create_forum_topic(self.group_id, self._topic_name(case))
        await self.handoff.cases.update(case.id, thread_id=topic.message_thread_id, card_message_id=None)
        case = await self.handoff.cases.get(case.id) or case
        card_text = self.card_text(case)
        card = await self.bot.send_message(
            self.group_id, card_text, message_thread_id=case.thread_id, reply_markup=self.card_buttons(case)
        )
        await self.handoff.cases.update(case.id, card_message_id=card.message_id)
        self._shown[case.id] = (card_text, self._topic_name(case), True)
        self._dirty.add(case.id)  # the queue lists it
        return await self.handoff.cases.get(case.id) or case

    def changed(self, case_id: int) -> None:
        """Something about the case changed: its card, topic and the queue are brought up to date soon."""
        self._dirty.add(case_id)
        self.wake()

    def erased(self, cases: list[Case]) -> None:
        """Her cases were deleted (/forget): their topics are told and closed, and the queue drops them, soon."""
        for case in cases:
            self._dirty.discard(case.id)
            self._shown.pop(case.id, None)
        self._erased_not_before = 0.0
        self._queue_stale = True
        self.wake()

    async def tell_erased(self) -> int:
        """For each erased case that had a topic: one line in the topic that it was erased at her request, the
        card (which held her answers to the questions) reduced to that, the topic renamed and closed. Then
        the last trace of the case in the database goes. Returns how many topics were told."""
        if not self.enabled or self.handoff.clock() < self._erased_not_before:
            return 0
        told = 0
        for topic in await self.handoff.erased_topics.waiting():
            try:
                await self._tell_erased(topic)
            except RetryAfter as error:
                wait = error.retry_after if isinstance(error.retry_after, int) else 1
                self._erased_not_before = self.handoff.clock() + wait + 1
                break
            except BadRequest:
                # The topic is gone (deleted by an advocate) or the line cannot be sent there: nothing to tell.
                log.warning("erased case's topic not told error=BadRequest")
            except TelegramError as error:
                log.warning("erased case's topic not told yet error=%s", type(error).__name__)
                self._erased_tries += 1
                self._erased_not_before = self.handoff.clock() + min(MAX_BACKOFF, 2 ** min(self._erased_tries, 6))
                break
            await self.handoff.erased_topics.done(topic.thread_id)
            self._erased_tries = 0
            told += 1
        if told or self._queue_stale:
            self._queue_stale = False
            await self.refresh_queue()
        return told

    async def _tell_erased(self, topic: ErasedTopic) -> None:
        ui = self.ui()
        await self.bot.send_message(self.group_id, ui.text("notice_erased"), message_thread_id=topic.thread_id)
        erased = f"#{topic.code} · {ui.text('status_erased')}"
        with contextlib.suppress(TelegramError):  # the line above is what matters; these are best effort
            if topic.card_message_id is not None:
                await self.bot.edit_message_text(erased, self.group_id, topic.card_message_id, reply_markup=None)
        with contextlib.suppress(TelegramError):
            await self.bot.edit_forum_topic(self.group_id, topic.thread_id, name=erased[:128])
        with contextlib.suppress(TelegramError):
            await self.bot.close_forum_topic(self.group_id, topic.thread_id)

    async def refresh_changed(self) -> None:
        while self._dirty:
            case = await self.handoff.cases.get(self._dirty.pop())
            if case is not None:
                await self.refresh(case)

    async def refresh(self, case: Case) -> None:
        """Card, topic name and state (open or closed) and the queue: only what changed. Best effort."""
        if self.enabled and case.is_open and case.thread_id is None:
            # A new case gets its topic and card at once, before she writes anything.
            with contextlib.suppress(TelegramError):
                case = await self.ensure_topic(case)
        if not self.enabled or case.thread_id is None:
            await self.refresh_queue()
            return
        card, name, is_open = self.card_text(case), self._topic_name(case), case.is_open
        shown_card, shown_name, shown_open = self._shown.get(case.id, ("", "", True))
        with contextlib.suppress(TelegramError):
            if card != shown_card and case.card_message_id is not None:
                await self.bot.edit_message_text(
                    card, self.group_id, case.card_message_id, reply_markup=self.card_buttons(case)
                )
        with contextlib.suppress(TelegramError):
            if name != shown_name:
                await self.bot.edit_forum_topic(self.group_id, case.thread_id, name=name)
        with contextlib.suppress(TelegramError):
            if is_open and not shown_open:
                await self.bot.reopen_forum_topic(self.group_id, case.thread_id)
            elif not is_open and shown_open:
                await self.bot.close_forum_topic(self.group_id, case.thread_id)
        self._shown[case.id] = (card, name, is_open)
        await self.refresh_queue()

    def card_text(self, case: Case) -> str:
        ui, triage = self.ui(), Triage.parse(case.triage)
        now = int(self.handoff.clock())
        return ui.text(
            "card",
            code=f"#{case.code}",
            language=case.language + (f" · {ui.text('urgent')}" if case.urgent else ""),
            status=ui.text(f"status_{case.status}"),
            claimed=case.claimed_name or ui.text("nobody"),
            safe=_answer(ui, SAFE, triage.safe, {"yes": "answer_yes", "no": "answer_no"}),
            help=_answer(ui, HELP, triage.help, {value: f"help_{value}" for value in HELP.values()}),
            when=_answer(ui, WHEN, triage.when, {value: f"when_{value}" for value in WHEN.values()}),
            opened=ui.datetime(dt.datetime.fromtimestamp(case.opened_at, dt.UTC)),
            waiting=ui.plural("duration_minutes", max(0, (now - case.activity_at) // 60)),
        )

    def card_buttons(self, case: Case) -> InlineKeyboardMarkup | None:
        if case.status == "erased":
            return None
        ui = self.ui()
        claim: tuple[CaseVerb, str] = ("release", "button_release") if case.claimed_by else ("claim", "button_claim")
        status: tuple[CaseVerb, str] = ("close", "button_close") if case.is_open else ("reopen", "button_reopen")
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(ui.text(key), callback_data=callbacks.CaseAction(verb, case.id).data())
                    for verb, key in (claim, status)
                ]
            ]
        )

    def _topic_name(self, case: Case) -> str:
        # No personal data: the code, her language, and whether she said she is not safe.
        parts = [f"#{case.code}", case.language]
        if case.urgent:
            parts.append(self.ui().text("urgent"))
        if not case.is_open:
            parts.append(self.ui().text(f"status_{case.status}"))
        return " · ".join(parts)[:128]

    async def refresh_queue(self) -> None:
        """The pinned list of open cases, most urgent and longest waiting first."""
        if not self.enabled:
            return
        ui, now = self.ui(), int(self.handoff.clock())
        cases = await self.handoff.cases.open_cases()
        lines = [
            ui.text(
                "queue_line",
                urgent="❗" if case.urgent else "",
                code=f"#{case.code}",
                language=case.language,
                waiting=ui.plural("duration_minutes", max(0, (now - case.opened_at) // 60)),
                claimed=case.claimed_name or ui.text("nobody"),
            )
            for case in cases
        ]
        text = ui.text("queue_title") + "\n\n" + ("\n".join(lines) if lines else ui.text("queue_empty"))
        if text == self._queue_text:
            return
        self._queue_text = text
        message_id = await self._state.get(QUEUE_MESSAGE_KEY)
        try:
            if message_id is not None:
                await self.bot.edit_message_text(text, self.group_id, int(message_id))
                return
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return
        except TelegramError:
            return
        with contextlib.suppress(TelegramError):
            sent = await self.bot.send_message(self.group_id, text)
            await self._state.set(QUEUE_MESSAGE_KEY, str(sent.message_id))
            await self.bot.pin_chat_message(self.group_id, sent.message_id, disable_notification=True)

    # -------------------------------------------------------------------------------------------- relay

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Deliver the outbox until cancelled: at once when woken, and whenever a retry falls due."""
        while True:
            try:
                await self.deliver_due()
                await self.tell_erased()
                await self.refresh_changed()
            except Exception as error:  # never let one bad row stop the relay
                log.error("relay pass failed error=%s", type(error).__name__)
            next_due = await self.handoff.outbox.next_due_at()
            delay = 1.0 if next_due is None else max(0.05, min(1.0, next_due - self.handoff.clock()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()

    async def deliver_due(self) -> int:
        if not self.enabled:
            return 0
        async with self._lock:
            delivered = 0
            # Group commit: what is sent must be on disk first (her message in the outbox, the last item's
            # "sent"), so that a crash can neither lose a message nor send one twice.
            await self.services.database.durable()
            items = await self.handoff.outbox.due(int(self.handoff.clock()))
            held: set[tuple[int, str]] = set()  # a queue that must wait keeps its later items waiting too
            done: set[int] = set()
            for item in items:
                if item.id in done or (item.case_id, item.direction) in held:
                    continue
                album = [i for i in items if i.media_group_id and i.media_group_id == item.media_group_id]
                batch = album if item.media_group_id else [item]
                done.update(i.id for i in batch)
                if await self._deliver(batch):
                    delivered += len(batch)
                else:
                    held.add((item.case_id, item.direction))
                await self.services.database.durable()
            return delivered

    async def _deliver(self, batch: list[OutboxItem]) -> bool:
        item = batch[0]
        case = await self.handoff.cases.get(item.case_id)
        if case is None:
            return True  # purged
        now = int(self.handoff.clock())
        try:
            if item.direction == "to_group":
                await self._to_group(case, batch)
            else:
                await self._to_survivor(case, item)
            return True
        except RetryAfter as error:
            await self._later(batch, now + int(error.retry_after if isinstance(error.retry_after, int) else 1) + 1)
        except Forbidden:
            if item.direction == "to_survivor":
                await self._blocked(case)
                return True
            log.error("the bot cannot write in the advocates' group error=Forbidden")
            await self._later(batch, now + MAX_BACKOFF)
        except BadRequest as error:
            text = error.message.lower()
            if any(marker in text for marker in TOPIC_GONE):
                await self._recreate_topic(case)
                await self._later(batch, now)
            elif any(marker in text for marker in SOURCE_GONE):
                for part in batch:  # deleted (wiped) before it could be relayed: nothing to deliver
                    await self.handoff.outbox.drop(part.id)
                return True
            else:
                log.error("relay item dropped case=%s error=BadRequest", case.code)
                for part in batch:
                    await self.handoff.outbox.drop(part.id)
                return True
        except (NetworkError, TelegramError) as error:
            log.warning("relay retry case=%s error=%s", case.code, type(error).__name__)
            await self._later(batch, now + min(MAX_BACKOFF, 2 ** min(item.attempts, 6)))
        return False

    async def _to_group(self, case: Case, batch: list[OutboxItem]) -> None:
        item = batch[0]
        case = await self.ensure_topic(case)
        if item.notice is not None:
            text = self.ui().text(item.notice, minutes=self.ping_minutes, name=case.claimed_name or "")
            sent = await self.bot.send_message(self.group_id, text, message_thread_id=case.thread_id)
            await self.handoff.outbox.mark_sent(item.id, sent.message_id)
            return
        her_chat = self.handoff.chat_id(case)
        if her_chat is None:
            await self.handoff.outbox.drop(item.id)
            return
        if len(batch) > 1 and not any(part.file_ref for part in batch):
            ids = [part.source_message for part in batch if part.source_message is not None]
            copies = await self.bot.copy_messages(self.group_id, her_chat, ids, message_thread_id=case.thread_id)
            for part, copy in zip(batch, copies, strict=False):
                await self.handoff.pairs.add(case.id, part.source_message or 0, copy.message_id)
                await self.handoff.outbox.mark_sent(part.id, copy.message_id)
            return
        # One by one: an album with a photo to clean goes in order, not together (a cleaned photo is a new
        # upload, which copyMessages cannot carry).
        for part in batch:
            reply = await self._reply_in_group(case, part.reply_to)
            assert part.source_message is not None  # a message, not a notice (notices were sent above)
            file = self.handoff.relay_file(case, part)
            sent_id = await self._send_cleaned(case, file, reply) if file is not None else None
            if sent_id is None:
                copy = await self.bot.copy_message(
                    self.group_id, her_chat, part.source_message, message_thread_id=case.thread_id,
                    reply_parameters=reply,
                )  # fmt: skip
                sent_id = copy.message_id
            await self.handoff.pairs.add(case.id, part.source_message, sent_id)
            await self.handoff.outbox.mark_sent(part.id, sent_id)

    async def _send_cleaned(self, case: Case, file: RelayFile, reply: ReplyParameters | None) -> int | None:
        """Her photo sent as a file, redrawn without its metadata and sent under a neutral name; None if it
        cannot be read as an image (it is then copied as it is)."""
        try:
            telegram_file = await self.bot.get_file(file.file_id)
            data = bytes(await telegram_file.download_as_bytearray(read_timeout=120))
        except BadRequest as error:  # "file is too big", or no longer there: copied (or found gone) instead
            log.info("relay file not downloaded case=%s error=%s", case.code, type(error).__name__)
            return None
        clean = await asyncio.to_thread(without_metadata, data)  # decoding takes a while: not on the event loop
        del data
        if clean is None:
            log.info("relay file not cleaned, copied as it is case=%s", case.code)
            return None
        sent = await self.bot.send_document(
            self.group_id,
            InputFile(clean.data, filename=f"photo.{clean.extension}"),
            caption=file.caption_html,
            message_thread_id=case.thread_id,
            reply_parameters=reply,
            disable_content_type_detection=True,
            read_timeout=60,
            write_timeout=60,
        )
        return sent.message_id

    async def _to_survivor(self, case: Case, item: OutboxItem) -> None:
        her_chat = self.handoff.chat_id(case)
        if her_chat is None or case.blocked:
            await self.handoff.outbox.drop(item.id)
            return
        if (await self.services.safety.settings(her_chat)).discreet:
            # The lock screen shows only a neutral line; the reply itself appears when she taps Show.
            ui = self.services.content.ui(case.language)
            notice = await self.bot.send_message(
                her_chat,
                ui.text("new_message"),
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton(ui.text("button_show"), callback_data=callbacks.ShowReply(item.id).data())]]
                ),
            )
            await self.services.safety.record(her_chat, [notice.message_id], int(notice.date.timestamp()))
            await self.handoff.outbox.mark_sent(item.id, notice.message_id)
            return
        await self.copy_to_survivor(case, her_chat, item, protect=False)

    async def copy_to_survivor(
        self, case: Case, her_chat: int, item: OutboxItem, protect: bool, mark: bool = True
    ) -> int:
        reply = None
        if item.reply_to is not None:
            mine = await self.handoff.pairs.survivor_for(case.id, item.reply_to)
            if mine is not None:
                reply = ReplyParameters(mine, allow_sending_without_reply=True)
        assert item.source_message is not None  # a message, not a notice (notices were sent above)
        copy = await self.bot.copy_message(
            her_chat, self.group_id, item.source_message, reply_parameters=reply, protect_content=protect
        )
        await self.services.safety.record(her_chat, [copy.message_id], int(self.handoff.clock()))
        await self.handoff.pairs.add(case.id, copy.message_id, item.source_message or 0)
        if mark:
            await self.handoff.outbox.mark_sent(item.id, copy.message_id)
        return copy.message_id

    async def _reply_in_group(self, case: Case, reply_to: int | None) -> ReplyParameters | None:
        if reply_to is None:
            return None
        theirs = await self.handoff.pairs.group_for(case.id, reply_to)
        return ReplyParameters(theirs, allow_sending_without_reply=True) if theirs is not None else None

    async def _later(self, batch: list[OutboxItem], at: int) -> None:
        for part in batch:
            await self.handoff.outbox.retry_later(part.id, at)

    async def _blocked(self, case: Case) -> None:
        await self.handoff.cases.update(case.id, blocked=1)
        await self.handoff.outbox.drop_pending(case.id, "to_survivor")
        await self.handoff.outbox.add(case.id, "to_group", int(self.handoff.clock()), notice="notice_blocked")
        log.info("survivor blocked the bot case=%s", case.code)

    async def _recreate_topic(self, case: Case) -> None:
        """The topic was deleted: a new one, with a fresh card, and a note saying what happened."""
        await self.handoff.cases.update(case.id, thread_id=None, card_message_id=None)
        fresh = await self.handoff.cases.get(case.id)
        if fresh is None:
            return
        fresh = await self.ensure_topic(fresh)
        log.warning("case topic recreated case=%s", case.code)
        try:  # right under the new card, before the messages that are delivered again
            text = self.ui().text("notice_topic_recreated")
            await self.bot.send_message(self.group_id, text, message_thread_id=fresh.thread_id)
        except TelegramError:
            await self.handoff.outbox.add(
                case.id, "to_group", int(self.handoff.clock()), notice="notice_topic_recreated"
            )

    # ------------------------------------------------------------------------------------ periodic work

    async def periodic(self) -> None:
        """Every check interval: look at the group again if it was unusable, ping unclaimed cases,
        refresh the queue, purge old relay data."""
        if not self.enabled:
            await self.check_group()
            if not self.enabled:
                return
        for case in await self.handoff.unclaimed(self.ping_minutes):
            await self.handoff.outbox.add(case.id, "to_group", int(self.handoff.clock()), notice="notice_unclaimed")
        await self.handoff.purge(self.retention_days, self.audit_retention_days)
        await self.refresh_queue()
        self.wake()


def _answer(ui: Localizer, codes: dict[str, str], code: str, keys: dict[str, str]) -> str:
    value = codes.get(code)
    return ui.text(keys[value]) if value in keys else ui.text("not_answered")
