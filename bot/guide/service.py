"""The navigation use-cases, as plain async Python: no Telegram types in or out.

A handler passes the person's Telegram id and language tag; the service decides which screen she sees,
remembers her language and place (keyed by a pseudonym, never the raw id) and returns what to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import callbacks
from bot.content.i18n import guess_language
from bot.content.registry import LANGUAGE_ACTIONS, LANGUAGE_SCREEN, MENU_SCREEN, START_SCREEN
from bot.content.render import ScreenView
from bot.content.store import ContentStore
from bot.privacy import Pseudonymizer
from bot.storage.users import UserRepository


@dataclass(frozen=True)
class Reply:
    view: ScreenView
    notice: str | None = None  # a short line: a toast for a button press, or a line above the screen


class GuideService:
    def __init__(self, content: ContentStore, users: UserRepository, pseudonyms: Pseudonymizer) -> None:
        self.content = content
        self._users = users
        self._pseudonyms = pseudonyms

    async def language_of(self, telegram_user_id: int, language_code: str | None) -> str:
        state = await self._users.get(self._pseudonyms.user_key(telegram_user_id))
        if state is not None and state.language is not None:
            return state.language
        return guess_language(language_code)[0]

    async def open(self, telegram_user_id: int, language_code: str | None, screen_id: str) -> Reply:
        language = await self.language_of(telegram_user_id, language_code)
        await self._remember(telegram_user_id, language, screen_id)
        return Reply(self.content.render(language, screen_id))

    async def text_received(self, telegram_user_id: int, language_code: str | None) -> Reply:
        """Free text outside any flow: say kindly that the bot answers with buttons, and show the menu."""
        reply = await self.open(telegram_user_id, language_code, MENU_SCREEN)
        notice = self.content.ui(reply.view.language).text("use_buttons")
        return Reply(reply.view, notice)

    async def press(self, telegram_user_id: int, language_code: str | None, data: str | None) -> Reply:
        """A button press. Anything stale or forged leads back to the menu with a kind word, never an error."""
        callback = callbacks.parse(data)
        language = await self.language_of(telegram_user_id, language_code)
        if callback is not None and callback.kind == "screen" and self.content.has_screen(language, callback.target):
            return await self.open(telegram_user_id, language_code, callback.target)
        if callback is not None and callback.kind == "action" and callback.target in LANGUAGE_ACTIONS:
            return await self._switch_language(telegram_user_id, LANGUAGE_ACTIONS[callback.target])
        reply = await self.open(telegram_user_id, language_code, MENU_SCREEN)
        return Reply(reply.view, self.content.ui(language).text("stale_button"))

    async def _switch_language(self, telegram_user_id: int, language: str) -> Reply:
        state = await self._users.get(self._pseudonyms.user_key(telegram_user_id))
        screen = state.screen if state and state.screen else START_SCREEN
        # From the language screen the choice is made: go on to the menu. Elsewhere (the welcome screen)
        # show the same screen again, now in the chosen language.
        if screen == LANGUAGE_SCREEN or not self.content.has_screen(language, screen):
            screen = MENU_SCREEN
        await self._remember(telegram_user_id, language, screen)
        return Reply(self.content.render(language, screen), self.content.ui(language).text("language_set"))

    async def _remember(self, telegram_user_id: int, language: str, screen_id: str) -> None:
        await self._users.save(self._pseudonyms.user_key(telegram_user_id), language=language, screen=screen_id)
