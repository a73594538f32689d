"""Flood control: one person tapping or typing very fast is slowed, kindly, and alone.

Only what costs work and fills her chat is limited: button taps and commands beyond a burst (20 in 5 s) get a short
"one moment" (taps) or nothing (commands), and the "I answer with buttons" pointer is not repeated within a
few seconds. Nothing she writes to an advocate is ever dropped: relayed messages are not limited here.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import BaseHandler

from bot.telegram.views import answer_query

if TYPE_CHECKING:
    from bot.telegram.context import Context

BURST = 20  # taps and commands: four a second is faster than a person taps
WINDOW = 5.0  # seconds
POINTER_PAUSE = 5.0  # seconds between two "I answer with buttons" pointers


class FloodGuard:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._pointer_at: dict[int, float] = {}

    def over_limit(self, user_id: int) -> bool:
        """Count one tap or command; True when this one is beyond the burst."""
        now = self._clock()
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] > WINDOW:
            hits.popleft()
        hits.append(now)
        if len(self._hits) > 10_000:  # forget people who stopped long ago, so memory stays bounded
            for stale in [uid for uid, h in self._hits.items() if not h or now - h[-1] > WINDOW]:
                del self._hits[stale]
        return len(hits) > BURST

    def pointer_allowed(self, user_id: int) -> bool:
        now = self._clock()
        if now - self._pointer_at.get(user_id, -POINTER_PAUSE) < POINTER_PAUSE:
            return False
        self._pointer_at[user_id] = now
        return True


class FloodHandler(BaseHandler[Update, "Context", None]):
    """Matches only a tap or command beyond the burst, so it takes that update instead of the real handler."""

    def __init__(self, guard: FloodGuard) -> None:
        super().__init__(self._slow_down)
        self.guard = guard

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or update.effective_user is None:
            return False
        if update.effective_chat is not None and update.effective_chat.type != "private":
            return False  # the advocates' group has its own pace and rate limit
        message = update.message
        is_command = message is not None and (message.text or "").startswith("/")
        if update.callback_query is None and not is_command:
            return False
        return self.guard.over_limit(update.effective_user.id)

    @staticmethod
    async def _slow_down(update: Update, _context: Context) -> None:
        if update.callback_query is not None:
            await answer_query(update.callback_query, "⏳")
