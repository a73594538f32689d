"""One chat's danger check in memory (`chat_data.danger`): her answers so far, and whether she asked to save
the result. Never written anywhere: a restart, Exit, /forget, the automatic wipe and leaving the check drop it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.danger.model import Check


@dataclass
class DangerFlow:
    check: Check
    saving: bool = False  # she asked to save the result: the journal's PIN or its creation may come first
