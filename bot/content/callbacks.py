"""Button payloads (Telegram's callback_data): short, versioned ASCII keys, never text or personal data.

`1:s:<screen>` opens a screen, `1:a:<action>` triggers an action, `1:t:<screen>:<n>` ticks item n of a
checklist, `1:c:<screen>` clears its ticks and `1:src:<screen>` shows the screen's sources in full. They
carry no state, so a button keeps working after a restart; a payload from an unknown version or for a screen
that no longer exists is answered kindly by the handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VERSION = "1"
MAX_BYTES = 64  # Telegram's limit for callback_data


@dataclass(frozen=True)
class Callback:
    kind: Literal["screen", "action", "tick", "untick", "clear", "sources"]
    target: str
    index: int | None = None  # the checklist item, for "tick"


def for_screen(screen_id: str) -> str:
    return f"{VERSION}:s:{screen_id}"


def for_action(action: str) -> str:
    return f"{VERSION}:a:{action}"


def for_tick(screen_id: str, index: int, on: bool = True) -> str:
    return f"{VERSION}:{'t' if on else 'u'}:{screen_id}:{index}"


def for_clear(screen_id: str) -> str:
    return f"{VERSION}:c:{screen_id}"


def for_sources(screen_id: str) -> str:
    # A screen id is at most 48 characters, so this stays within Telegram's 64 bytes.
    return f"{VERSION}:src:{screen_id}"


def parse(data: str | None) -> Callback | None:
    """None for anything we did not produce: forged, truncated or from an older version."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    version, _, rest = data.partition(":")
    kind, _, target = rest.partition(":")
    if version != VERSION or not target or not target.isascii():
        return None
    if kind == "s":
        return Callback("screen", target)
    if kind == "a":
        return Callback("action", target)
    if kind == "c":
        return Callback("clear", target)
    if kind == "src":
        return Callback("sources", target)
    if kind in ("t", "u"):
        screen_id, _, index = target.partition(":")
        if screen_id and index.isdigit() and len(index) <= 2:
            return Callback("tick" if kind == "t" else "untick", screen_id, int(index))
    return None
