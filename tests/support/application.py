"""The bot's own PTB Application without a network: the test token and secret, settings that point at no
server, and the Application built, attached to the services and initialised, as every handler test needs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import attach, build_application
from bot.config import Settings
from bot.services import Services
from tests.support.telegram import RecordingRequest

TEST_TOKEN = "123456789:TESTtokenTESTtokenTESTtokenTESTtoken"
TEST_SECRET = b"t" * 32


def offline_settings(data_dir: Path, **values: Any) -> Settings:
    """Settings with the test token, no .env file, and a Bot API address nothing answers on: every call the bot
    makes goes to the recording request object instead."""
    return Settings(_env_file=None, token=TEST_TOKEN, data_dir=data_dir, api_url="http://127.0.0.1:9", **values)


@asynccontextmanager
async def running_application(
    settings: Settings, services: Services, request: RecordingRequest, *, start: bool = False
) -> AsyncIterator[Application]:
    """`build_application` and `attach`, as `python -m bot run` does, with `request` in place of HTTP; initialised
    (its getMe is then forgotten, so that `request.calls` holds what the handlers did). `start=True` also starts
    the job queue. Stopped and shut down afterwards; the services stay open (their owner closes them)."""
    application = build_application(settings, TEST_TOKEN, request=request, rate_limit=False)
    attach(application, services, settings)
    await application.initialize()
    if start:
        await application.start()
    request.calls.clear()
    try:
        yield application
    finally:
        if start:
            await application.stop()
        await application.shutdown()
