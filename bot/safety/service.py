"""Exit & wipe, the automatic wipe, discreet mode and /forget, as plain async Python.

The bot keeps the ids of the messages in a person's chat (never their text) so that it can delete them:
at once when she taps Exit, and by itself a while after her last activity. Telegram lets a bot delete
messages only while they are younger than 48 hours; older ids are simply forgotten.

The journal's flow (a guided entry, a PIN dialog) deletes its own messages when it ends; their ids are kept
here too, in the database, so a restart in the middle does not leave them in her chat. A wipe or /forget
drops them with the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from bot.crypto import Sealer
from bot.privacy import Pseudonymizer
from bot.storage.chat_log import ChatLogRepository, ChecklistRepository
from bot.storage.flow_messages import FlowKind, FlowMessageRepository
from bot.storage.recent import Recent
from bot.storage.users import UserRepository

log = logging.getLogger(__name__)

DELETE_WINDOW = 48 * 3600 - 10 * 60  # Telegram's 48 hours, less a margin for clock differences
RETRY_AFTER_FAILURE = 60  # seconds before a wipe that failed is tried again
# Every message moves her automatic wipe later. Writing the new time on every message costs a disk write
# each; it is written only once it moves by more than a twentieth of her wipe time, at most a minute (a 1 h
# wipe may come at 59 min instead of 60 — earlier, never later).
MAX_RESCHEDULE_SLACK = 60
REMEMBERED_SCHEDULES = 5_000


@dataclass(frozen=True)
class SafetySettings:
    wipe_after_minutes: int | None  # None: the default; 0: off
    default_wipe_seconds: int
    discreet: bool

    @property
    def wipe_seconds(self) -> int:
        if self.wipe_after_minutes is None:
            return self.default_wipe_seconds
        return self.wipe_after_minutes * 60


class SafetyService:
    def __init__(
        self,
        users: UserRepository,
        chat_log: ChatLogRepository,
        checklists: ChecklistRepository,
        flow_messages: FlowMessageRepository,
        pseudonyms: Pseudonymizer,
        sealer: Sealer,
        default_wipe_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._users = users
        self._chat_log = chat_log
        self._checklists = checklists
        self._flow = flow_messages
        self._pseudonyms = pseudonyms
        self._sealer = sealer
        self._default_wipe_seconds = default_wipe_seconds
        self.clock = clock  # replaceable in tests
        # What the database holds for recently active chats: the due time, or None for no wipe scheduled.
        self._due: Recent[str, int | None] = Recent(REMEMBERED_SCHEDULES)

    def forget_cached(self, telegram_user_id: int) -> None:
        """Her rows were written elsewhere (a key rotation's move): read them from the database next time."""
        key = self._key(telegram_user_id)
        self._due.pop(key, None)
        self._users.forget_cached(key)

    async def settings(self, telegram_user_id: int) -> SafetySettings:
        state = await self._users.get(self._key(telegram_user_id))
        if state is None:
            return SafetySettings(None, self._default_wipe_seconds, True)
        return SafetySettings(state.wipe_after_minutes, self._default_wipe_seconds, state.discreet)

    async def record(
        self, telegram_user_id: int, message_ids: list[int], sent_at: int, settings: SafetySettings | None = None
    ) -> None:
        """Remember messages of her private chat (ids only) and move the automatic wipe later.
        `settings`, when the caller has just read them, saves reading them again."""
        key = self._key(telegram_user_id)
        await self._chat_log.add(key, message_ids, sent_at)
        await self._reschedule(telegram_user_id, settings)

    async def set_wipe_after(self, telegram_user_id: int, minutes: int) -> None:
        await self._users.set_wipe_after(self._key(telegram_user_id), minutes)
        await self._reschedule(telegram_user_id, exact=True)

    async def set_discreet(self, telegram_user_id: int, discreet: bool) -> None:
        await self._users.set_discreet(self._key(telegram_user_id), discreet)

    async def messages_to_delete(self, telegram_user_id: int) -> list[int]:
        """The ids Telegram still lets the bot delete (younger than 48 hours)."""
        now = int(self.clock())
        return await self._chat_log.message_ids(self._key(telegram_user_id), sent_after=now - DELETE_WINDOW)

    async def wiped(self, telegram_user_id: int) -> None:
        """After a wipe: forget every id of the chat (deleted, or too old to delete) and the schedule."""
        key = self._key(telegram_user_id)
        await self._chat_log.forget(key)
        await self._flow.remove(key)  # the flow's messages went with the rest
        await self._unschedule(key)

    async def wipe_failed(self, telegram_user_id: int) -> None:
        """Keep the ids and try again soon: a wipe must not be lost to a network error."""
        key = self._key(telegram_user_id)
        await self._schedule(key, telegram_user_id, int(self.clock()) + RETRY_AFTER_FAILURE)

    async def due_chats(self) -> list[int]:
        """Chats whose automatic wipe is due now."""
        chats = []
        for key, chat_ref in await self._chat_log.due(int(self.clock())):
            try:
                chats.append(int(self._sealer.open(chat_ref, key.encode())))
            except (InvalidTag, ValueError):
                # Sealed under another key (BOT_SECRET_KEY changed) or altered: nothing can be done with it.
                log.error("dropping an unreadable wipe schedule row error=InvalidTag")
                await self._unschedule(key)
                await self._chat_log.forget(key)
        return chats

    async def delete_later(self, telegram_user_id: int, message_id: int, after_seconds: int) -> None:
        """Delete this one message of her chat after a while (an export), even if the bot restarts meanwhile."""
        key = self._key(telegram_user_id)
        due_at = int(self.clock()) + after_seconds
        await self._chat_log.delete_later(key, message_id, self._seal(key, telegram_user_id), due_at)

    async def due_deletions(self) -> list[tuple[int, int]]:
        """(chat id, message id) of the single messages due to be deleted now."""
        due = []
        for key, message_id, chat_ref in await self._chat_log.due_deletions(int(self.clock())):
            try:
                due.append((int(self._sealer.open(chat_ref, key.encode())), message_id))
            except (InvalidTag, ValueError):
                log.error("dropping an unreadable timed deletion error=InvalidTag")
                await self._chat_log.drop_deletion(key, message_id)
        return due

    async def backlog(self) -> tuple[int, int]:
        """(automatic wipes, single deletions) that are due now and not done yet: counts only."""
        return await self._chat_log.backlog(int(self.clock()))

    async def deletion_done(self, telegram_user_id: int, message_id: int) -> None:
        await self._chat_log.drop_deletion(self._key(telegram_user_id), message_id)

    async def forget(self, telegram_user_id: int) -> None:
        """/forget: every row about her. The chat itself is wiped by the caller first."""
        key = self._key(telegram_user_id)
        await self._checklists.clear(key)
        await self._chat_log.drop_deletion(key)
        await self._chat_log.forget(key)
        await self._flow.remove(key)
        await self._unschedule(key)
        await self._users.delete(key)

    async def track_flow(self, telegram_user_id: int, message_ids: list[int], kind: FlowKind) -> None:
        """Messages of the journal's flow, to delete when it ends (ids only)."""
        await self._flow.add(self._key(telegram_user_id), message_ids, kind)

    async def flow_messages(self, telegram_user_id: int, kind: FlowKind | None = None) -> list[int]:
        return await self._flow.ids(self._key(telegram_user_id), kind)

    async def untrack_flow(self, telegram_user_id: int, message_ids: list[int] | None = None) -> None:
        """These ids are no longer the flow's to delete (deleted already, or to stay); None: every one."""
        await self._flow.remove(self._key(telegram_user_id), message_ids)

    async def _reschedule(
        self, telegram_user_id: int, settings: SafetySettings | None = None, *, exact: bool = False
    ) -> None:
        key = self._key(telegram_user_id)
        seconds = (settings or await self.settings(telegram_user_id)).wipe_seconds
        if seconds <= 0:
            if key not in self._due or self._due[key] is not None:
                await self._unschedule(key)
            return
        due_at = int(self.clock()) + seconds
        written = self._due.get(key)
        slack = 0 if exact else min(MAX_RESCHEDULE_SLACK, seconds // 20)
        if written is not None and written <= due_at <= written + slack:
            self._due.move_to_end(key)
            return
        await self._schedule(key, telegram_user_id, due_at)

    async def _schedule(self, key: str, telegram_user_id: int, due_at: int) -> None:
        self._due.pop(key, None)  # unknown until the write has succeeded
        await self._chat_log.schedule(key, self._seal(key, telegram_user_id), due_at)
        self._due.remember(key, due_at)

    async def _unschedule(self, key: str) -> None:
        self._due.pop(key, None)
        await self._chat_log.unschedule(key)
        self._due.remember(key, None)

    def _seal(self, key: str, telegram_user_id: int) -> bytes:
        # In a private chat the chat id is the user id; it is stored only sealed, bound to its row.
        return self._sealer.seal(str(telegram_user_id).encode(), key.encode())

    def _key(self, telegram_user_id: int) -> str:
        return self._pseudonyms.user_key(telegram_user_id)
