"""Fixtures for every folder: the content (loaded once), settings on a temporary data folder, and the services
opened on them. The handlers' PTB Application is in tests/handlers/conftest.py, the bot process and the
simulator of the end-to-end tests in tests/e2e/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT_DIR, Settings
from bot.content.store import ContentStore
from bot.features import UI_KEYS
from bot.services import Services
from tests.support.application import TEST_SECRET, offline_settings


@pytest.fixture(scope="session")
def content() -> ContentStore:
    return ContentStore.load(DEFAULT_CONTENT_DIR, UI_KEYS)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return offline_settings(tmp_path / "data")


@pytest.fixture
async def services(settings: Settings, content: ContentStore) -> AsyncIterator[Services]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    opened = await Services.open(settings, content, TEST_SECRET)
    yield opened
    await opened.close()
