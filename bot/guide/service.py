"""The navigation use-cases, as plain async Python: no Telegram types in or out.

A handler passes the person's Telegram id and language tag; the service decides which screen she sees,
remembers her language and place (keyed by a pseudonym, never the raw id) and returns what to show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, Protocol

from bot.content import callbacks
from bot.content.i18n import guess_language
from bot.content.registry import (
    DISCREET_ACTIONS,
    EXIT_ACTION,
    FORGET_ACTION,
    FORGET_SCREEN,
    JOURNAL_EXPORT_ACTION,
    LANGUAGE_ACTIONS,
    LANGUAGE_SCREEN,
    MENU_SCREEN,
    SETTINGS_SCREEN,
    START_SCREEN,
    WIPE_CHOICES,
)
from bot.content.render import ButtonView, ScreenView
from bot.content.store import ContentStore
from bot.privacy import Pseudonymizer
from bot.safety.service import SafetyService, SafetySettings
from bot.storage.chat_log import ChecklistRepository
from bot.storage.usage import UsageRepository
from bot.storage.users import UserRepository

Effect = Literal["exit", "forget"]


@dataclass(frozen=True)
class Reply:
    view: ScreenView
    notice: str | None = None  # a short toast for a button press
    intro: str | None = None  # a line shown above the screen, in the same message
    effect: Effect | None = None  # the handler must wipe the chat (and for "forget", all data) instead


class Journals(Protocol):
    """What the guide needs to know of the journal (bot/journal implements it; the guide does not import it)."""

    async def exists(self, user_key: str) -> bool: ...


class GuideService:
    def __init__(
        self,
        content: ContentStore,
        users: UserRepository,
        checklists: ChecklistRepository,
        safety: SafetyService,
        pseudonyms: Pseudonymizer,
        usage: UsageRepository | None = None,
        journals: Journals | None = None,
    ) -> None:
        self._journals = journals
        self.content = content
        self._usage = usage
        self._users = users
        self._checklists = checklists
        self._safety = safety
        self._pseudonyms = pseudonyms

    async def language_of(self, telegram_user_id: int, language_code: str | None) -> str:
        state = await self._users.get(self._pseudonyms.user_key(telegram_user_id))
        if state is not None and state.language is not None:
            return state.language
        return guess_language(language_code)[0]

    async def open(self, telegram_user_id: int, language_code: str | None, screen_id: str) -> Reply:
        language = await self.language_of(telegram_user_id, language_code)
        await self._remember(telegram_user_id, language, screen_id)
        if self._usage is not None:
            self._usage.count(screen_id, language)
        return await self._show(telegram_user_id, language, screen_id)

    async def text_received(self, telegram_user_id: int, language_code: str | None) -> Reply:
        """Free text, stickers, files outside any flow: say kindly that the bot answers with buttons."""
        reply = await self.open(telegram_user_id, language_code, MENU_SCREEN)
        return replace(reply, intro=self.content.ui(reply.view.language).text("use_buttons"))

    async def press(self, telegram_user_id: int, language_code: str | None, data: str | None) -> Reply:
        """A button press. Anything stale or forged leads back to the menu with a kind word, never an error."""
        callback = callbacks.parse(data)
        language = await self.language_of(telegram_user_id, language_code)
        ui = self.content.ui(language)
        if callback is None:
            return await self._stale(telegram_user_id, language_code, language)
        if callback.kind == "screen" and self.content.has_screen(language, callback.target):
            return await self.open(telegram_user_id, language_code, callback.target)
        if callback.kind in ("tick", "untick", "clear") and self.content.has_screen(language, callback.target):
            return await self._checklist(telegram_user_id, language, callback)
        if callback.kind == "sources" and self.content.has_screen(language, callback.target):
            return await self._sources(telegram_user_id, language_code, language, callback.target)
        if callback.kind != "action":
            return await self._stale(telegram_user_id, language_code, language)
        action = callback.target
        if action in LANGUAGE_ACTIONS:
            return await self._switch_language(telegram_user_id, LANGUAGE_ACTIONS[action])
        if action == EXIT_ACTION:
            return Reply(self.content.render(language, MENU_SCREEN), effect="exit")
        if action == FORGET_ACTION:
            return Reply(self.content.render(language, MENU_SCREEN), notice=ui.text("forgotten"), effect="forget")
        if action in WIPE_CHOICES:
            await self._safety.set_wipe_after(telegram_user_id, WIPE_CHOICES[action])
            reply = await self.open(telegram_user_id, language_code, SETTINGS_SCREEN)
            return replace(reply, notice=ui.text("wipe_off_warning") if WIPE_CHOICES[action] == 0 else None)
        if action in DISCREET_ACTIONS:
            await self._safety.set_discreet(telegram_user_id, DISCREET_ACTIONS[action])
            return await self.open(telegram_user_id, language_code, SETTINGS_SCREEN)
        return await self._stale(telegram_user_id, language_code, language)

    async def _stale(self, telegram_user_id: int, language_code: str | None, language: str) -> Reply:
        reply = await self.open(telegram_user_id, language_code, MENU_SCREEN)
        return replace(reply, notice=self.content.ui(language).text("stale_button"))

    async def _show(self, telegram_user_id: int, language: str, screen_id: str) -> Reply:
        screen = self.content.tree.packs[language].screens[screen_id]
        ticked: frozenset[str] = frozenset()
        if screen.checklist:
            user_key = self._pseudonyms.user_key(telegram_user_id)
            ticked = await self._ticked(user_key, screen_id, [item.id for item in screen.checklist])
        view = self.content.render(language, screen_id, ticked)
        if screen_id == FORGET_SCREEN:
            return Reply(await self._offer_export(telegram_user_id, view))
        if screen_id != SETTINGS_SCREEN:
            return Reply(view)
        settings = await self._safety.settings(telegram_user_id)
        return Reply(_mark_current_settings(view, settings), intro=self._settings_status(language, settings))

    async def _offer_export(self, telegram_user_id: int, view: ScreenView) -> ScreenView:
        """ "Delete everything" must not destroy evidence by surprise: with a journal, the first confirmation
        offers to export it before anything goes (the rendered view is shared, so this is a copy)."""
        if self._journals is None or not await self._journals.exists(self._pseudonyms.user_key(telegram_user_id)):
            return view
        label = self.content.ui(view.language).text("forget_export_first")
        export = [ButtonView(label, callbacks.for_action(JOURNAL_EXPORT_ACTION))]
        return replace(view, buttons=[export, *view.buttons])

    async def _sources(self, telegram_user_id: int, language_code: str | None, language: str, screen_id: str) -> Reply:
        """The Sources button: the screen's sources in full, with a button back to it."""
        if not self.content.shows_sources(language, screen_id):
            # The screen no longer shows its sources (edited since the button was sent): show the screen.
            return await self.open(telegram_user_id, language_code, screen_id)
        # Her place stays the screen itself, so a language switch from here shows it again.
        await self._remember(telegram_user_id, language, screen_id)
        return Reply(self.content.render_sources(language, screen_id))

    async def _checklist(self, telegram_user_id: int, language: str, callback: callbacks.Callback) -> Reply:
        screen_id = callback.target
        items = [item.id for item in self.content.tree.packs[language].screens[screen_id].checklist]
        user_key = self._pseudonyms.user_key(telegram_user_id)
        if callback.kind == "clear":
            await self._checklists.clear(user_key, [self._pseudonyms.tick(user_key, screen_id, item) for item in items])
        elif callback.index is not None and callback.index < len(items):
            tick = self._pseudonyms.tick(user_key, screen_id, items[callback.index])
            await self._checklists.set_ticked(user_key, tick, callback.kind == "tick")
        await self._remember(telegram_user_id, language, screen_id)
        return await self._show(telegram_user_id, language, screen_id)

    async def _ticked(self, user_key: str, screen_id: str, items: list[str]) -> frozenset[str]:
        by_tick = {self._pseudonyms.tick(user_key, screen_id, item): item for item in items}
        return frozenset(by_tick[tick] for tick in await self._checklists.ticked(user_key, by_tick))

    def _settings_status(self, language: str, settings: SafetySettings) -> str:
        ui = self.content.ui(language)
        seconds = settings.wipe_seconds
        if seconds <= 0:
            wipe = ui.text("wipe_status_off")
        elif seconds % 3600 == 0:
            wipe = ui.text("wipe_status", duration=ui.plural("duration_hours", seconds // 3600))
        else:
            wipe = ui.text("wipe_status", duration=ui.plural("duration_minutes", max(1, seconds // 60)))
        discreet = ui.text("discreet_status_on" if settings.discreet else "discreet_status_off")
        return f"{wipe} {discreet}"

    async def _switch_language(self, telegram_user_id: int, language: str) -> Reply:
        state = await self._users.get(self._pseudonyms.user_key(telegram_user_id))
        screen = state.screen if state and state.screen else START_SCREEN
        # From the language screen the choice is made: go on to the menu. Elsewhere (the welcome screen)
        # show the same screen again, now in the chosen language.
        if screen == LANGUAGE_SCREEN or not self.content.has_screen(language, screen):
            screen = MENU_SCREEN
        await self._remember(telegram_user_id, language, screen)
        reply = await self._show(telegram_user_id, language, screen)
        return replace(reply, notice=self.content.ui(language).text("language_set"))

    async def _remember(self, telegram_user_id: int, language: str, screen_id: str) -> None:
        await self._users.save(self._pseudonyms.user_key(telegram_user_id), language=language, screen=screen_id)


def _mark_current_settings(view: ScreenView, settings: SafetySettings) -> ScreenView:
    """Put a ✓ on the buttons that match her current settings."""
    current = {action for action, minutes in WIPE_CHOICES.items() if minutes * 60 == settings.wipe_seconds}
    if settings.wipe_seconds <= 0:
        current = {action for action, minutes in WIPE_CHOICES.items() if minutes == 0}
    current |= {action for action, on in DISCREET_ACTIONS.items() if on == settings.discreet}
    marked = [callbacks.for_action(action) for action in current]
    rows = [
        [ButtonView("✓ " + b.text, b.callback_data, b.url) if b.callback_data in marked else b for b in row]
        for row in view.buttons
    ]
    return replace(view, buttons=rows)
