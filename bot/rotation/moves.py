"""After a key rotation: the first time a person writes, her rows move from her old pseudonym to her new one.

Pseudonyms are keyed hashes of Telegram ids and the server keeps no ids, so they can only move when she is
here. The move is one transaction: every table's `user_key`, the values sealed with her pseudonym as associated
data (re-sealed), her checklist ticks (recomputed for the items the content has), and her journal's binding
(its ciphertexts stay bound to the pseudonym it was made under; that name is kept sealed). Then a checkpoint,
so the old pseudonym does not linger in the write-ahead log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from bot.crypto import Sealer
from bot.privacy import Pseudonymizer
from bot.rotation.legacy import LegacyKeys
from bot.rotation.rotate import PURPOSES
from bot.storage.database import Database
from bot.storage.rotation import RotationRepository

log = logging.getLogger(__name__)

ChecklistItems = Callable[[], Iterable[tuple[str, str]]]  # (screen id, item id) of every checklist item


class PseudonymMoves:
    def __init__(
        self,
        database: Database,
        secret_key: bytes,
        pseudonyms: Pseudonymizer,
        legacy: LegacyKeys | None,
        checklist_items: ChecklistItems,
    ) -> None:
        self._database = database
        self._repo = RotationRepository(database)
        self._pseudonyms = pseudonyms
        self._old = legacy.pseudonyms() if legacy is not None else None
        self._sealers = {table: Sealer(secret_key, purpose) for table, purpose in PURPOSES.items()}
        self._checklist_items = checklist_items
        self._lock = asyncio.Lock()

    @property
    def active(self) -> bool:
        return self._old is not None

    async def recognise(self, telegram_user_id: int) -> bool:
        """Move her rows if she has not written since the rotation; True if they moved now. One indexed
        read when there is nothing to move; nothing at all when no rotation is going on."""
        if self._old is None:
            return False
        old = self._old.user_key(telegram_user_id)
        if not await self._repo.is_unmoved(old):
            return False
        new = self._pseudonyms.user_key(telegram_user_id)
        async with self._lock, self._repo.transaction():
            if not await self._repo.is_unmoved(old):
                return False  # moved by an update handled a moment ago
            await self._move(old, new)
        await self._database.checkpoint()
        log.info("pseudonym moved to the current key")
        return True

    async def _move(self, old: str, new: str) -> None:
        assert self._old is not None
        has_journal, binding = await self._repo.journal_binding(old)
        if has_journal and binding is None:
            # Its ciphertexts are bound to the old pseudonym: keep that name, sealed, to open them later.
            sealed = self._sealers["journal_keys"].seal(old.encode(), old.encode())
            await self._repo.set_sealed("journal_keys", old, sealed)
        old_ticks = set(await self._repo.ticks(old))

        def reseal(table: str, sealed: bytes, associated: str, renamed: str) -> bytes:
            sealer = self._sealers[table]
            return sealer.seal(sealer.open(sealed, associated.encode()), renamed.encode())

        await self._repo.move(old, new, reseal)
        ticks = []
        for screen_id, item_id in self._checklist_items():
            if self._old.tick(old, screen_id, item_id) in old_ticks:
                ticks.append(self._pseudonyms.tick(new, screen_id, item_id))
        await self._repo.set_ticks(new, ticks)
