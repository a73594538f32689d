"""A strict, local fake of the Telegram Bot API for end-to-end tests and the offline demo.

    async with Simulator() as sim:
        user = sim.add_user("Aigerim", language_code="kk")
        await user.send_text("/start")
        reply = await user.wait_reply()

The bot under test talks HTTP to `sim.base_url`; people act through SimUser and SimGroup.
"""

from .client import (
    DEFAULT_TOKEN,
    SimButton,
    SimCallbackQuery,
    SimGroup,
    SimMessage,
    SimTopic,
    Simulator,
    SimUser,
)
from .media import make_png
from .server import Call, Fault

__all__ = [
    "DEFAULT_TOKEN",
    "Call",
    "Fault",
    "SimButton",
    "SimCallbackQuery",
    "SimGroup",
    "SimMessage",
    "SimTopic",
    "SimUser",
    "Simulator",
    "make_png",
]
