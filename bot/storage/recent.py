"""A bounded memory of what was used lately, for the in-memory copies that spare the database a round trip."""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(OrderedDict[K, V]):
    """Past `limit` entries, the one used longest ago is forgotten (it is read from the database again)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def remember(self, key: K, value: V) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.limit:
            self.popitem(last=False)

    def recall(self, key: K) -> V:
        """The value of a key that is `in` this memory, marked as just used."""
        self.move_to_end(key)
        return self[key]
