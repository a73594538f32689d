"""/reload: only configured admins; broken content is refused with path:line and the old content kept."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.config import DEFAULT_CONTENT_DIR
from bot.content.store import ContentStore
from bot.features import UI_KEYS
from bot.services import Services
from tests.support.application import TEST_SECRET, offline_settings, running_application
from tests.support.content_tree import replace_in
from tests.support.telegram import RecordingRequest, button_texts, buttons_of, text_update

ADMIN, SOMEONE = 424242, 515151


@pytest.fixture
async def admin_app(tmp_path: Path) -> AsyncIterator[tuple[Application, RecordingRequest, Path]]:
    content_dir = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content_dir)
    settings = offline_settings(tmp_path / "data", admin_ids=f" {ADMIN} ,1")
    settings.data_dir.mkdir()
    services = await Services.open(settings, ContentStore.load(content_dir, UI_KEYS), TEST_SECRET)
    request = RecordingRequest()
    async with running_application(settings, services, request) as application:
        yield application, request, content_dir
    await services.close()


async def test_an_admin_reloads_new_texts(admin_app):
    app, request, content_dir = admin_app
    replace_in(content_dir / "en" / "menu.yaml", "Choose a topic.", "Pick a topic.")
    await app.process_update(text_update(app, ADMIN, "/reload", language_code="en"))
    assert request.last("sendMessage").params["text"].startswith("Content reloaded (")
    await app.process_update(text_update(app, SOMEONE, "/menu", language_code="en"))
    assert "Pick a topic." in request.last("sendMessage").params["text"]


async def test_broken_content_is_refused_with_path_and_line(admin_app):
    app, request, content_dir = admin_app
    replace_in(content_dir / "kk" / "menu.yaml", "to: police}", "to: polise}")
    await app.process_update(text_update(app, ADMIN, "/reload", language_code="kk"))
    text = request.last("sendMessage").params["text"]
    assert text.startswith("Content NOT reloaded; still serving the previous version.")
    assert "kk/menu.yaml:" in text and 'opens screen "polise", which does not exist' in text
    await app.process_update(text_update(app, SOMEONE, "/menu", language_code="kk"))
    assert "Басты мәзір" in request.last("sendMessage").params["text"]


async def test_for_anyone_else_reload_is_an_unknown_command(admin_app):
    app, request, content_dir = admin_app
    replace_in(content_dir / "en" / "menu.yaml", "Choose a topic.", "Pick a topic.")
    await app.process_update(text_update(app, SOMEONE, "/reload", language_code="en"))
    text = request.last("sendMessage").params["text"]
    assert "I answer with buttons" in text and "Choose a topic." in text  # nothing was reloaded


async def test_a_reload_changes_the_buttons_too_though_each_keyboard_is_serialised_once(admin_app):
    """Keyboards are built and serialised once per screen, language and content version (views.Keyboard):
    everyone shown the menu gets the same buttons, and a reload's new label reaches the next person."""
    app, request, content_dir = admin_app
    await app.process_update(text_update(app, SOMEONE, "/menu", language_code="en"))
    first = request.last("sendMessage")
    await app.process_update(text_update(app, SOMEONE + 1, "/menu", language_code="en"))
    assert buttons_of(request.last("sendMessage")) == buttons_of(first)
    assert "The police: what to expect" in button_texts(first)

    replace_in(content_dir / "en" / "menu.yaml", "The police: what to expect", "Police: what happens")
    await app.process_update(text_update(app, ADMIN, "/reload", language_code="en"))
    await app.process_update(text_update(app, SOMEONE, "/menu", language_code="en"))
    after = button_texts(request.last("sendMessage"))
    assert "Police: what happens" in after and "The police: what to expect" not in after


async def test_an_admin_reloads_the_desks_or_is_told_their_errors_at_path_and_line(tmp_path):
    """Removing an advocate from the desks file takes effect on /reload; a broken file keeps the old desks."""
    desks_file = tmp_path / "desks.yaml"
    desks_file.write_text(DESKS.format(advocates="[111111111, 222222222]"), encoding="utf-8")
    settings = offline_settings(tmp_path / "data", admin_ids=str(ADMIN), desks_file=desks_file)
    settings.data_dir.mkdir()
    services = await Services.open(settings, ContentStore.load(DEFAULT_CONTENT_DIR, UI_KEYS), TEST_SECRET)
    request = RecordingRequest()
    try:
        async with running_application(settings, services, request) as app:
            desks_file.write_text(DESKS.format(advocates="[111111111]"), encoding="utf-8")
            await app.process_update(text_update(app, ADMIN, "/reload", language_code="en"))
            assert request.last("sendMessage").params["text"].endswith("\nDesks reloaded (1).")
            almaty = services.desks.book.get("almaty")
            assert almaty is not None and not almaty.is_advocate(222222222)

            desks_file.write_text(DESKS.format(advocates="[Saule]"), encoding="utf-8")
            await app.process_update(text_update(app, ADMIN, "/reload", language_code="en"))
            text = request.last("sendMessage").params["text"]
            assert "Desks NOT reloaded; still using the previous desks.\n" in text
            assert f"{desks_file}:9: advocates: must be a list" in text
            assert services.desks.book.get("almaty") is almaty
    finally:
        await services.close()


DESKS = """\
desks:
  - id: almaty
    name: "Almaty crisis centre"
    chat_id: -1001000000001
    regions: [KZ-75, KZ-19]
    languages: [ru, kk]
    hours: "09:00-18:00"
    days: mon-fri
    advocates: {advocates}
    coordinators: [111111111]
"""
