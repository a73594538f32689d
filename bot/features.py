"""What the content must provide for the code: the UI strings of the guidance and of every feature.

Each feature keeps its list beside its code (bot/journal/ui_keys.py, bot/handoff/ui_keys.py,
bot/danger/ui_keys.py); they are
assembled here, outside the content package, so that the content layer never imports a feature. Everything
that loads or checks content (the bot, the checker, the preview, the demo) passes this catalogue.
"""

from __future__ import annotations

from bot.content.registry import CORE_UI_KEYS, UiKeys
from bot.danger.ui_keys import DANGER_UI_KEYS
from bot.handoff.ui_keys import HANDOFF_UI_KEYS
from bot.journal.ui_keys import JOURNAL_UI_KEYS, STATEMENT_UI_KEYS

UI_KEYS: UiKeys = {**CORE_UI_KEYS, **JOURNAL_UI_KEYS, **STATEMENT_UI_KEYS, **HANDOFF_UI_KEYS, **DANGER_UI_KEYS}
