"""The advocates' desks: everything the bot does in the desks' forum groups.

One desk per organisation (bot/handoff/desks.py), each its own forum supergroup: one topic per case, a case
card kept current, a pinned queue per desk, and the relay that delivers the outbox in both directions with
copyMessage (never "Forwarded from"). Delivery is at least once and in order per case and direction;
Telegram's 429 (retry_after), 5xx and timeouts delay a message, a deleted topic is created again, and a
survivor who blocked the bot is reported in the topic instead of retried forever.

Each desk's group is checked at start, after a reload and every check interval: a forum supergroup with no
public username, the bot an administrator that may manage topics and delete messages. A desk that fails is
left out (one log line naming what is missing): new cases go to another desk, its own cases wait.
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
from bot.handoff.desks import NATIONAL, DeskBook, DeskConfig, Route, region_key
from bot.handoff.figures import shown
from bot.handoff.repository import Case, DeskFigures, DeskStateRepository, ErasedTopic, OutboxItem
from bot.handoff.service import HELP, SAFE, TRANSFER_HISTORY, WHEN, HandoffService, RelayFile, Triage
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
QUEUE_MESSAGE_KEY = "queue_message_id:{desk}"
CARD_REFRESH_SECONDS = 300
COPY_BATCH = 100  # copyMessages takes 1 to 100 ids
RECHECK_SECONDS = 300  # a usable desk's group is looked at again this often (a failing one every interval)
SHIFT_KEY = "shift_summary:{desk}"  # desk_state: the start of the last shift summarised (unix time)
SHIFT_SUMMARY_WINDOW = 3600  # a summary is posted within the first hour of a shift, never later


class Desks:
    def __init__(self, bot: Bot, services: Services, settings: Settings) -> None:
        self.bot = bot
        self.services = services
        self.ping_minutes = settings.unclaimed_ping_minutes
        self.retention_days = settings.case_retention_days
        self.audit_retention_days = settings.audit_retention_days
        self._usable: dict[str, int] = {}  # desk id -> the group that passed its check
        self._checked_at: dict[str, float] = {}
        self._checked_book: DeskBook | None = None  # the desks the checks were made for (a reload swaps them)
        self._state = DeskStateRepository(services.database)
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one delivery pass at a time
        # Group messages are limited (20 a minute): only what changed is edited, in the relay's own task,
        # never while a handler is running.
        self._dirty: set[int] = set()
        self._shown: dict[int, tuple[str, str, bool]] = {}  # case id -> (card text, topic name, open)
        self._queue_text: dict[str, str] = {}
        self._erased_not_before = 0.0  # after a failure to tell an erased case's topic: when to try again
        self._erased_tries = 0
        self._stale_queues = False  # a case left a queue without a change of its own to refresh it
        self._strangers_told: set[tuple[int, int, int]] = set()  # (group, topic, person) told once

    @property
    def handoff(self) -> HandoffService:
        return self.services.handoff

    @property
    def book(self) -> DeskBook:
        return self.services.desks.book

    def usable(self) -> list[DeskConfig]:
        """The desks whose group passed its check, in the file's order."""
        return [desk for desk in self.book if self._usable.get(desk.id) == desk.chat_id]

    def is_usable(self, desk: DeskConfig | None) -> bool:
        return desk is not None and self._usable.get(desk.id) == desk.chat_id

    @property
    def enabled(self) -> bool:
        """At least one desk can take cases; otherwise survivors are offered the hotlines."""
        return bool(self.usable())

    def asks_region(self) -> bool:
        """Her region matters only if a usable desk covers regions of its own, not the whole country."""
        return any(not desk.national for desk in self.usable())

    def by_chat(self, chat_id: int) -> DeskConfig | None:
        """The desk of a group; None for any other chat (a stranger's group is ignored)."""
        return self.book.by_chat(chat_id)

    def desk_of(self, case: Case) -> DeskConfig | None:
        return self.handoff.desk_of(case)

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.handoff.clock(), dt.UTC)

    def route(self, region: str | None, language: str) -> Route | None:
        """Where her new case goes now, among the usable desks; None: no desk at all (the hotlines)."""
        ids = [desk.id for desk in self.usable()]
        return self.book.route(region, language, ids, self.now())

    def ui(self, desk: DeskConfig) -> Localizer:
        """The advocates' interface in the desk's own language."""
        return self.services.content.ui(desk.language)

    # ------------------------------------------------------------------------------------------- set-up

    async def check_all(self) -> None:
        """Look at every desk's group (at start and after a reload), then give cases whose desk is gone a new one."""
        self._checked_book = self.book
        for desk in self.book:
            await self.check(desk)
        await self.adopt()

    async def check(self, desk: DeskConfig) -> bool:
        """Is the desk's group usable? One log line naming what is missing if not (the operator's settings, never
        anything of a survivor); its survivors then go to another desk or get the hotlines."""
        self._checked_at[desk.id] = self.handoff.clock()
        missing = await self._missing(desk)
        was = self.is_usable(desk)
        if missing:
            self._usable.pop(desk.id, None)
            if desk.members_act:
                log.error(
                    "handoff disabled: %s: %s; survivors are offered the hotlines", desk.variable, "; ".join(missing)
                )
            else:
                log.error(
                    "desk left out: %s: %s; new cases go to another desk or the hotlines",
                    desk.variable,
                    "; ".join(missing),
                )
            return False
        self._usable[desk.id] = desk.chat_id
        if not was:
            log.info("handoff enabled desk=%s", desk.id)
        return True

    async def _missing(self, desk: DeskConfig) -> list[str]:
        missing = []
        try:
            chat = await self.bot.get_chat(desk.chat_id)
            if chat.type != chat.SUPERGROUP or not chat.is_forum:
                missing.append("topics are not turned on in the group (it must be a forum)")
            if chat.username:
                # Anyone could find and join a public group and read every case: never a desk.
                missing.append("the group is public (it has a username); make it private")
            member = await self.bot.get_chat_member(desk.chat_id, self.bot.id)
            if not isinstance(member, ChatMemberAdministrator):
                missing.append("the bot is not an administrator of the group")
            else:
                if not member.can_manage_topics:
                    missing.append("the bot lacks the right to manage topics")
                if not member.can_delete_messages:
                    missing.append("the bot lacks the right to delete messages")
        except TelegramError as error:
            missing.append(f"the group cannot be reached ({type(error).__name__})")
        return missing

    async def adopt(self) -> None:
        """Cases whose desk is not configured go to a usable desk (a note says why in the new topic)."""

        def route(case: Case) -> DeskConfig | None:
            found = self.route(case.region, case.language)
            return found.desk if found is not None else None

        for case in await self.handoff.adopt(route):
            log.warning("case moved from a desk no longer configured case=%s", case.code)
            await self.handoff.outbox.add(case.id, "to_group", int(self.handoff.clock()), notice="notice_moved_here")
            self.changed(case.id)

    # ------------------------------------------------------------------------------------- topics, card

    async def ensure_topic(self, case: Case, desk: DeskConfig) -> Case:
        if case.thread_id is not None:
            return case
        topic = await self.bot.create_forum_topic(desk.chat_id, self._topic_name(case, desk))
        await self.handoff.cases.update(case.id, thread_id=topic.message_thread_id, card_message_id=None)
        case = await self.handoff.cases.get(case.id) or case
        card_text = self.card_text(case, desk)
        card = await self.bot.send_message(
            desk.chat_id, card_text, message_thread_id=case.thread_id, reply_markup=self.card_buttons(case, desk)
        )
        await self.handoff.cases.update(case.id, card_message_id=card.message_id)
        self._shown[case.id] = (card_text, self._topic_name(case, desk), True)
        self._dirty.add(case.id)  # the queue lists it
        return await self.handoff.cases.get(case.id) or case

    def changed(self, case_id: int) -> None:
        """Something about the case changed: its card, topic and the queue are brought up to date soon."""
        self._dirty.add(case_id)
        self.wake()

    def erased(self, cases: list[Case]) -> None:
        """Her cases were deleted (/forget): their topics are deleted, and the queues drop them, soon."""
        for case in cases:
            self._dirty.discard(case.id)
            self._shown.pop(case.id, None)
        self._erased_not_before = 0.0
        self._stale_queues = True
        self.wake()

    def _erased_desk(self, topic: ErasedTopic) -> DeskConfig | None:
        """The desk of an erased case's topic; chat 0 (erased before desks existed): the shorthand's group."""
        if topic.chat_id == 0:
            return self.book.shorthand
        return self.by_chat(topic.chat_id)

    async def tell_erased(self) -> int:
        """For each erased case that had a topic: the topic is deleted from the desk's group (deleteForumTopic:
        her words and files leave with it) and the group's general topic gets one line, that case #CODE was
        erased at her request. Then the last trace of the case in the database goes. Returns how many were
        done. A topic in a group no longer configured cannot be reached: its row goes, with a log line."""
        if self.handoff.clock() < self._erased_not_before:
            return 0
        done = 0
        for topic in await self.handoff.erased_topics.waiting():
            desk = self._erased_desk(topic)
            if desk is not None and not self.is_usable(desk):
                continue  # done when its group is usable again
            try:
                if desk is None:
                    log.warning("erased case's topic is in a group no longer configured: it cannot be deleted")
                else:
                    await self._delete_erased(topic, desk)
            except RetryAfter as error:
                wait = error.retry_after if isinstance(error.retry_after, int) else 1
                self._erased_not_before = self.handoff.clock() + wait + 1
                break
            except BadRequest:
                log.warning("erased case's line not posted error=BadRequest")
            except TelegramError as error:
                log.warning("erased case's topic not deleted yet error=%s", type(error).__name__)
                self._erased_tries += 1
                self._erased_not_before = self.handoff.clock() + min(MAX_BACKOFF, 2 ** min(self._erased_tries, 6))
                break
            await self.handoff.erased_topics.done(topic)
            self._erased_tries = 0
            done += 1
        if done or self._stale_queues:
            self._stale_queues = False
            for desk in self.usable():
                await self.refresh_queue(desk)
        return done

    async def _delete_erased(self, topic: ErasedTopic, desk: DeskConfig) -> None:
        try:
            await self.bot.delete_forum_topic(desk.chat_id, topic.thread_id)
        except BadRequest as error:
            if not any(marker in error.message.lower() for marker in TOPIC_GONE):
                raise
            # Already gone (an advocate deleted it): the line is still owed.
        await self.bot.send_message(desk.chat_id, self.ui(desk).text("notice_erased", code=f"#{topic.code}"))

    async def refresh_changed(self) -> None:
        while self._dirty:
            case = await self.handoff.cases.get(self._dirty.pop())
            if case is not None:
                await self.refresh(case)

    async def refresh(self, case: Case) -> None:
        """Card, topic name and state (open or closed) and the queue: only what changed. Best effort."""
        desk = self.desk_of(case)
        if desk is None or not self.is_usable(desk):
            return  # brought up to date when its desk is usable (or the case has a new desk)
        if case.is_open and case.thread_id is None:
            # A new case gets its topic and card at once, before she writes anything.
            with contextlib.suppress(TelegramError):
                case = await self.ensure_topic(case, desk)
        if case.thread_id is None:
            await self.refresh_queue(desk)
            return
        card, name, is_open = self.card_text(case, desk), self._topic_name(case, desk), case.is_open
        shown_card, shown_name, shown_open = self._shown.get(case.id, ("", "", True))
        with contextlib.suppress(TelegramError):
            if card != shown_card and case.card_message_id is not None:
                await self.bot.edit_message_text(
                    card, desk.chat_id, case.card_message_id, reply_markup=self.card_buttons(case, desk)
                )
        with contextlib.suppress(TelegramError):
            if name != shown_name:
                await self.bot.edit_forum_topic(desk.chat_id, case.thread_id, name=name)
        with contextlib.suppress(TelegramError):
            if is_open and not shown_open:
                await self.bot.reopen_forum_topic(desk.chat_id, case.thread_id)
            elif not is_open and shown_open:
                await self.bot.close_forum_topic(desk.chat_id, case.thread_id)
        self._shown[case.id] = (card, name, is_open)
        await self.refresh_queue(desk)

    def card_text(self, case: Case, desk: DeskConfig) -> str:
        ui, triage = self.ui(desk), Triage.parse(case.triage)
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
            region=ui.text(region_key(case.region)) if case.region else ui.text("not_answered"),
            opened=ui.datetime(dt.datetime.fromtimestamp(case.opened_at, dt.UTC)),
            waiting=ui.plural("duration_minutes", max(0, (now - case.activity_at) // 60)),
        )

    def card_buttons(self, case: Case, desk: DeskConfig) -> InlineKeyboardMarkup | None:
        if case.status == "erased":
            return None
        ui = self.ui(desk)
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

    def _topic_name(self, case: Case, desk: DeskConfig) -> str:
        # No personal data: the code, her language, and whether she said she is not safe.
        parts = [f"#{case.code}", case.language]
        if case.urgent:
            parts.append(self.ui(desk).text("urgent"))
        if not case.is_open:
            parts.append(self.ui(desk).text(f"status_{case.status}"))
        return " · ".join(parts)[:128]

    async def refresh_queue(self, desk: DeskConfig) -> None:
        """The desk's pinned list of open cases, most urgent and longest waiting first."""
        if not self.is_usable(desk):
            return
        text = await self.queue_text(desk)
        if text == self._queue_text.get(desk.id):
            return
        self._queue_text[desk.id] = text
        key = QUEUE_MESSAGE_KEY.format(desk=desk.id)
        message_id = await self._state.get(key)
        try:
            if message_id is not None:
                await self.bot.edit_message_text(text, desk.chat_id, int(message_id))
                return
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return
        except TelegramError:
            return
        with contextlib.suppress(TelegramError):
            sent = await self.bot.send_message(desk.chat_id, text)
            await self._state.set(key, str(sent.message_id))
            await self.bot.pin_chat_message(desk.chat_id, sent.message_id, disable_notification=True)

    async def queue_text(self, desk: DeskConfig) -> str:
        """The desk's open cases, most urgent and longest waiting first, with who holds each."""
        ui, now = self.ui(desk), int(self.handoff.clock())
        lines = [
            ui.text(
                "queue_line",
                urgent="❗" if case.urgent else "",
                code=f"#{case.code}",
                language=case.language,
                waiting=ui.plural("duration_minutes", max(0, (now - case.opened_at) // 60)),
                claimed=case.claimed_name or ui.text("nobody"),
            )
            for case in await self.handoff.cases.open_cases(desk.id)
        ]
        return ui.text("queue_title") + "\n\n" + ("\n".join(lines) if lines else ui.text("queue_empty"))

    # ------------------------------------------------------------------------------- the desk's daily work

    async def shift_summaries(self) -> None:
        """When a desk's hours begin, a summary in its general topic: open cases, unclaimed, the one waiting
        longest, and how many of her messages arrived out of hours. Once per shift; a bot that was down when the
        shift began still posts it within the first hour, never later."""
        now = self.now()
        for desk in self.usable():
            began = desk.hours.current_start(now)
            if began is None:
                continue
            key = SHIFT_KEY.format(desk=desk.id)
            last = await self._state.get(key)
            if last == str(int(began.timestamp())):
                continue
            await self._state.set(key, str(int(began.timestamp())))
            if (now - began).total_seconds() > SHIFT_SUMMARY_WINDOW:
                continue
            since = int(last) if last is not None else int(began.timestamp()) - 7 * 86400
            with contextlib.suppress(TelegramError):
                await self.bot.send_message(desk.chat_id, await self.shift_summary(desk, since))

    async def shift_summary(self, desk: DeskConfig, since: int) -> str:
        ui, now = self.ui(desk), int(self.handoff.clock())
        cases = await self.handoff.cases.open_cases(desk.id)
        longest = min(cases, key=lambda case: case.opened_at, default=None)
        arrived = await self.handoff.outbox.received_since(desk.id, since)
        out_of_hours = sum(1 for at in arrived if not desk.hours.is_open(dt.datetime.fromtimestamp(at, dt.UTC)))
        return ui.text(
            "shift_summary",
            open=len(cases),
            unclaimed=sum(1 for case in cases if case.claimed_by is None),
            longest=ui.text(
                "shift_longest",
                code=f"#{longest.code}",
                waiting=ui.plural("duration_minutes", max(0, (now - longest.opened_at) // 60)),
            )
            if longest is not None
            else ui.text("not_answered"),
            out_of_hours=out_of_hours,
        )

    async def desk_text(self, desk: DeskConfig, days: int = 30) -> str:
        """A coordinator's /desk: the desk's settings (from the desks file) and its figures, counts only."""
        ui = self.ui(desk)
        since = self.handoff.day(int(self.handoff.clock()) - (days - 1) * 86400)
        found = [f for f in await self.handoff.events.figures(since) if f.desk_id == desk.id]
        figures = shown(found[0] if found else DeskFigures(desk.id))
        regions = ", ".join(
            ui.text(region_key(region)) if region != NATIONAL else ui.text("desk_national")
            for region in sorted(desk.regions)
        )
        settings = ui.text(
            "desk_settings",
            id=desk.id,
            name=desk.name or "—",
            regions=regions,
            languages=", ".join(desk.languages),
            hours=desk.hours_text,
            advocates=len(desk.advocates) if not desk.members_act else ui.text("desk_everyone"),
            coordinators=len(desk.coordinators) if not desk.members_act else ui.text("desk_everyone"),
        )
        numbers = ui.text(
            "desk_figures",
            days=days,
            opened=figures.opened,
            closed=figures.closed,
            median=figures.first_reply_median,
            in_time=figures.in_time,
            transfers_out=figures.transfers_out,
            transfers_in=figures.transfers_in,
        )
        return f"{settings}\n\n{numbers}"

    # ------------------------------------------------------------------------------------ who may act

    async def transfer(self, case: Case, to: DeskConfig, coordinator_id: int) -> None:
        """A coordinator's /transfer: the old topic gets a note and is closed, the case moves (its new topic and
        the copy of its messages follow in the relay, in order)."""
        old = self.desk_of(case)
        if old is not None and case.thread_id is not None:
            with contextlib.suppress(TelegramError):  # best effort: the move itself must not wait for it
                note = self.ui(old).text("notice_transferred_out", name=to.name or to.id)
                await self.bot.send_message(old.chat_id, note, message_thread_id=case.thread_id)
                await self.bot.close_forum_topic(old.chat_id, case.thread_id)
        moved = await self.handoff.transfer(case, to, coordinator_id)
        self._shown.pop(case.id, None)
        self._stale_queues = True
        log.info("case transferred case=%s from=%s to=%s", case.code, case.desk_id, to.id)
        self.changed(moved.id)

    async def tell_stranger(self, desk: DeskConfig, thread_id: int, user_id: int) -> None:
        """Someone in the group who is not one of the desk's named advocates wrote or acted in a case topic:
        nothing of it reaches her; they are told so once in that topic (while the bot runs)."""
        key = (desk.chat_id, thread_id, user_id)
        if key in self._strangers_told:
            return
        self._strangers_told.add(key)
        with contextlib.suppress(TelegramError):
            await self.bot.send_message(desk.chat_id, self.ui(desk).text("not_on_desk"), message_thread_id=thread_id)

    # -------------------------------------------------------------------------------------------- relay

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Deliver the outbox until cancelled: at once when woken, and whenever a retry falls due."""
        while True:
            try:
                if self._checked_book is not self.book:  # the desks were reloaded: look at their groups
                    await self.check_all()
                await self.deliver_due()
                await self.tell_erased()
                await self.refresh_changed()
            except Exception as error:  # never let one bad row stop the relay
                log.error("relay pass failed error=%s", type(error).__name__)
            next_due = await self.handoff.outbox.next_due_at(desk.id for desk in self.usable())
            delay = 1.0 if next_due is None else max(0.05, min(1.0, next_due - self.handoff.clock()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()

    async def deliver_due(self) -> int:
        usable = [desk.id for desk in self.usable()]
        if not usable:
            return 0
        async with self._lock:
            delivered = 0
            # Group commit: what is sent must be on disk first (her message in the outbox, the last item's
            # "sent"), so that a crash can neither lose a message nor send one twice.
            await self.services.database.durable()
            items = await self.handoff.outbox.due(int(self.handoff.clock()), usable)
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
        desk = self.desk_of(case)
        if desk is None or not self.is_usable(desk):
            return False  # its desk was reloaded away or failed its check since: it waits
        now = int(self.handoff.clock())
        try:
            if item.direction == "to_group":
                await self._to_group(case, desk, batch)
            else:
                await self._to_survivor(case, item)
            return True
        except RetryAfter as error:
            await self._later(batch, now + int(error.retry_after if isinstance(error.retry_after, int) else 1) + 1)
        except Forbidden:
            if item.direction == "to_survivor":
                await self._blocked(case)
                return True
            log.error("the bot cannot write in a desk's group desk=%s error=Forbidden", desk.id)
            await self._later(batch, now + MAX_BACKOFF)
        except BadRequest as error:
            text = error.message.lower()
            if any(marker in text for marker in TOPIC_GONE):
                await self._recreate_topic(case, desk)
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

    async def _to_group(self, case: Case, desk: DeskConfig, batch: list[OutboxItem]) -> None:
        item = batch[0]
        case = await self.ensure_topic(case, desk)
        group = desk.chat_id
        if item.notice is not None and item.notice.startswith(TRANSFER_HISTORY + ":"):
            await self._copy_history(case, desk, int(item.notice.split(":", 1)[1]))
            await self.handoff.outbox.mark_sent(item.id, None)
            return
        if item.notice is not None:
            text = self.ui(desk).text(item.notice, minutes=self.ping_minutes, name=case.claimed_name or "")
            sent = await self.bot.send_message(group, text, message_thread_id=case.thread_id)
            await self.handoff.outbox.mark_sent(item.id, sent.message_id)
            return
        her_chat = self.handoff.chat_id(case)
        if her_chat is None:
            await self.handoff.outbox.drop(item.id)
            return
        if len(batch) > 1 and not any(part.file_ref for part in batch):
            ids = [part.source_message for part in batch if part.source_message is not None]
            copies = await self.bot.copy_messages(group, her_chat, ids, message_thread_id=case.thread_id)
            for part, copy in zip(batch, copies, strict=False):
                await self.handoff.pairs.add(case.id, part.source_message or 0, copy.message_id, group)
                await self.handoff.outbox.mark_sent(part.id, copy.message_id, group)
            return
        # One by one: an album with a photo to clean goes in order, not together (a cleaned photo is a new
        # upload, which copyMessages cannot carry).
        for part in batch:
            reply = await self._reply_in_group(case, group, part.reply_to)
            assert part.source_message is not None  # a message, not a notice (notices were sent above)
            file = self.handoff.relay_file(case, part)
            sent_id = await self._send_cleaned(case, group, file, reply) if file is not None else None
            if sent_id is None:
                copy = await self.bot.copy_message(
                    group, her_chat, part.source_message, message_thread_id=case.thread_id, reply_parameters=reply
                )
                sent_id = copy.message_id
            await self.handoff.pairs.add(case.id, part.source_message, sent_id, group)
            await self.handoff.outbox.mark_sent(part.id, sent_id, group)

    async def _copy_history(self, case: Case, desk: DeskConfig, old_chat: int) -> None:
        """A transferred case's conversation, copied in order from the topic it left into its new topic: her
        messages from her own chat (their copies in the group are protected, so they cannot be copied again),
        the advocates' from the old group, each run under a line saying whose they are. What can no longer be
        copied (deleted from her chat, wiped) is counted, not lost silently. The copies are protected too."""
        ui, her_chat = self.ui(desk), self.handoff.chat_id(case)
        old = self.by_chat(old_chat)
        came_from = old.name if old is not None and old.name else "—"
        await self.bot.send_message(
            desk.chat_id, ui.text("notice_transferred_in", name=came_from), message_thread_id=case.thread_id
        )
        runs: list[tuple[bool, list[int]]] = []  # (hers, the ids to copy), in the order of the old topic
        for hers, source, _place in await self.handoff.outbox.conversation(case.id, old_chat):
            if runs and runs[-1][0] == hers:
                runs[-1][1].append(source)
            else:
                runs.append((hers, [source]))
        for hers, ids in runs:
            header = ui.text("transfer_her_messages") if hers else ui.text("transfer_advocates", name=came_from)
            await self.bot.send_message(desk.chat_id, header, message_thread_id=case.thread_id)
            source_chat = her_chat if hers else old_chat
            copied = 0
            for start in range(0, len(ids), COPY_BATCH):
                chunk = ids[start : start + COPY_BATCH]
                try:
                    if source_chat is None:
                        raise BadRequest("message to copy not found")
                    copies = await self.bot.copy_messages(
                        desk.chat_id, source_chat, chunk, message_thread_id=case.thread_id
                    )
                except (BadRequest, Forbidden):  # none of them can be copied any more
                    copies = ()
                copied += len(copies)
                if hers and len(copies) == len(chunk):  # one copy each: her replies keep their links here
                    for mine, copy in zip(chunk, copies, strict=True):
                        await self.handoff.pairs.add(case.id, mine, copy.message_id, desk.chat_id)
            if copied < len(ids):
                text = ui.text("transfer_missing", count=len(ids) - copied)
                await self.bot.send_message(desk.chat_id, text, message_thread_id=case.thread_id)

    async def _send_cleaned(self, case: Case, group: int, file: RelayFile, reply: ReplyParameters | None) -> int | None:
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
            group,
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
        """An advocate's reply into her chat, copied from the group it was written in."""
        desk = self.desk_of(case)
        source_chat = item.group_chat or (desk.chat_id if desk is not None else None)
        if source_chat is None:
            raise BadRequest("message to copy not found")  # its group is no longer known: as if it were gone
        reply = None
        if item.reply_to is not None:
            mine = await self.handoff.pairs.survivor_for(case.id, item.reply_to, source_chat)
            if mine is not None:
                reply = ReplyParameters(mine, allow_sending_without_reply=True)
        assert item.source_message is not None  # a message, not a notice (notices were sent above)
        copy = await self.bot.copy_message(
            her_chat, source_chat, item.source_message, reply_parameters=reply, protect_content=protect
        )
        await self.services.safety.record(her_chat, [copy.message_id], int(self.handoff.clock()))
        await self.handoff.pairs.add(case.id, copy.message_id, item.source_message or 0, source_chat)
        if mark:
            await self.handoff.outbox.mark_sent(item.id, copy.message_id)
        return copy.message_id

    async def _reply_in_group(self, case: Case, group: int, reply_to: int | None) -> ReplyParameters | None:
        if reply_to is None:
            return None
        theirs = await self.handoff.pairs.group_for(case.id, reply_to, group)
        return ReplyParameters(theirs, allow_sending_without_reply=True) if theirs is not None else None

    async def _later(self, batch: list[OutboxItem], at: int) -> None:
        for part in batch:
            await self.handoff.outbox.retry_later(part.id, at)

    async def _blocked(self, case: Case) -> None:
        await self.handoff.cases.update(case.id, blocked=1)
        await self.handoff.outbox.drop_pending(case.id, "to_survivor")
        await self.handoff.outbox.add(case.id, "to_group", int(self.handoff.clock()), notice="notice_blocked")
        log.info("survivor blocked the bot case=%s", case.code)

    async def _recreate_topic(self, case: Case, desk: DeskConfig) -> None:
        """The topic was deleted: a new one, with a fresh card, and a note saying what happened."""
        await self.handoff.cases.update(case.id, thread_id=None, card_message_id=None)
        fresh = await self.handoff.cases.get(case.id)
        if fresh is None:
            return
        fresh = await self.ensure_topic(fresh, desk)
        log.warning("case topic recreated case=%s", case.code)
        try:  # right under the new card, before the messages that are delivered again
            text = self.ui(desk).text("notice_topic_recreated")
            await self.bot.send_message(desk.chat_id, text, message_thread_id=fresh.thread_id)
        except TelegramError:
            await self.handoff.outbox.add(
                case.id, "to_group", int(self.handoff.clock()), notice="notice_topic_recreated"
            )

    # ------------------------------------------------------------------------------------ periodic work

    async def periodic(self) -> None:
        """Every check interval: look again at the groups that failed (and at the others every few minutes),
        ping unclaimed cases, refresh the queues, purge old relay data."""
        now = self.handoff.clock()
        if self._checked_book is not self.book:
            await self.check_all()
        else:
            for desk in self.book:
                if not self.is_usable(desk) or now - self._checked_at.get(desk.id, 0) >= RECHECK_SECONDS:
                    await self.check(desk)
            await self.adopt()
        if not self.enabled:
            return
        for case in await self.handoff.unclaimed(self.ping_minutes):
            await self.handoff.outbox.add(case.id, "to_group", int(self.handoff.clock()), notice="notice_unclaimed")
        await self.handoff.purge(self.retention_days, self.audit_retention_days)
        for desk in self.usable():
            await self.refresh_queue(desk)
        await self.shift_summaries()
        self.wake()


def _answer(ui: Localizer, codes: dict[str, str], code: str, keys: dict[str, str]) -> str:
    value = codes.get(code)
    return ui.text(keys[value]) if value in keys else ui.text("not_answered")
