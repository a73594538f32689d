"""Her side of an end-to-end chat with the simulator, one action and its answer at a time."""

from __future__ import annotations

from bot.simulator import SimMessage, SimUser


async def step(user: SimUser, button: str) -> SimMessage:
    """Tap a button and wait for the bot's answer."""
    await user.press(button)
    return await user.wait_reply()


async def say(user: SimUser, text: str) -> SimMessage:
    """Send a text and wait for the bot's answer."""
    await user.send_text(text)
    return await user.wait_reply()
