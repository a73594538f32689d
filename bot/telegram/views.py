"""Showing a ScreenView in Telegram: as a new message, or by editing the message whose button was pressed."""

from __future__ import annotations

import html

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot.content.render import ScreenView


def keyboard(view: ScreenView) -> InlineKeyboardMarkup | None:
    rows = [
        [InlineKeyboardButton(button.text, callback_data=button.callback_data, url=button.url) for button in row]
        for row in view.buttons
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def message_html(view: ScreenView, intro: str | None = None) -> str:
    if intro:
        return f"<i>{html.escape(intro, quote=False)}</i>\n\n{view.html}"
    return view.html


async def send_view(bot: Bot, chat_id: int, view: ScreenView, intro: str | None = None) -> Message:
    # parse_mode, protect_content, silent notifications and no link previews come from the bot's Defaults.
    return await bot.send_message(chat_id, message_html(view, intro), reply_markup=keyboard(view))


async def replace_view(message: Message, view: ScreenView) -> None:
    """Edit the pressed message in place, so the chat stays short; send anew if it can't be edited
    (too old, already deleted)."""
    try:
        await message.edit_text(view.html, reply_markup=keyboard(view))
    except BadRequest as error:
        if "not modified" in error.message:
            return
        await send_view(message.get_bot(), message.chat_id, view)
