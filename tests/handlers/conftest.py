"""The bot's PTB Application with a recording request object, on the services of tests/conftest.py: updates go
in through process_update, and every Bot API call the handlers make is recorded, none sent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.journal.service import JournalService
from bot.services import Services
from tests.support.application import TEST_SECRET, running_application
from tests.support.journal import CHEAP_ARGON2, FakeClock
from tests.support.journal_chat import JournalHarness, JournalRequest
from tests.support.telegram import RecordingRequest


@pytest.fixture
async def bot_app(settings: Settings, services: Services) -> AsyncIterator[tuple[Application, RecordingRequest]]:
    request = RecordingRequest()
    async with running_application(settings, services, request) as application:
        yield application, request


@pytest.fixture
async def journal_harness(settings: Settings, services: Services) -> AsyncIterator[JournalHarness]:
    clock = FakeClock()
    # Argon2id at its minimum cost through the service's constructor: these tests check behaviour.
    services.journal = JournalService(
        services.journal_database, settings.data_dir, TEST_SECRET, argon2=CHEAP_ARGON2, monotonic=clock.mono
    )
    request = JournalRequest()
    async with running_application(settings, services, request) as application:
        yield JournalHarness(application, request, services, clock)
