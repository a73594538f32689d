from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import attach, build_application
from bot.config import DEFAULT_CONTENT_DIR, Settings
from bot.content.store import ContentStore
from bot.features import UI_KEYS
from bot.services import Services
from tests.support.telegram import RecordingRequest

TEST_TOKEN = "123456789:TESTtokenTESTtokenTESTtokenTESTtoken"
TEST_SECRET = b"t" * 32


@pytest.fixture(scope="session")
def content() -> ContentStore:
    return ContentStore.load(DEFAULT_CONTENT_DIR, UI_KEYS)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, token=TEST_TOKEN, data_dir=tmp_path / "data", api_url="http://127.0.0.1:9")


@pytest.fixture
async def services(settings: Settings, content: ContentStore) -> AsyncIterator[Services]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    opened = await Services.open(settings, content, TEST_SECRET)
    yield opened
    await opened.close()


@pytest.fixture
async def bot_app(settings: Settings, services: Services) -> AsyncIterator[tuple[Application, RecordingRequest]]:
    request = RecordingRequest()
    application = build_application(settings, TEST_TOKEN, request=request, rate_limit=False)
    attach(application, services, settings)
    await application.initialize()
    request.calls.clear()
    yield application, request
    await application.shutdown()
