"""The editors' preview in a real headless browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from bot.config import DEFAULT_CONTENT_DIR
from bot.preview.server import serve_preview
from tests.support.content_tree import replace_in

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is needed for the preview test: apt-get install chromium (see README)")
    return path


async def test_preview_clicks_through_screens_shows_kazakh_formatting_and_errors_with_path_and_line(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    runner, port = await serve_preview(content, 0)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{port}/")
            assert await page.inner_text("h2") == "welcome"
            kazakh = page.locator('[data-lang="kk"]')
            for button, screen in (
                ("Иә, қазір қауіпсізбін", "menu"),
                ("Полиция: не күтуге болады", "police"),
                ("Полиция не істеуге міндетті", "police_must_do"),
            ):
                await kazakh.get_by_text(button, exact=True).click()
                await page.wait_for_load_state()
                assert await page.inner_text("h2") == screen
            bold = await kazakh.locator('[data-testid="bubble"] b').first.inner_text()
            assert "Полиция" in bold and "міндетті" in bold  # Kazakh text, rendered bold
            assert "Дереккөздер" in await kazakh.locator('[data-testid="bubble"]').inner_text()
            await kazakh.get_by_role("link", name="Дереккөздер", exact=True).click()  # the full list
            await page.wait_for_load_state()
            link = await kazakh.locator('[data-testid="bubble"] a').first.get_attribute("href")
            assert link == "https://adilet.zan.kz/rus/docs/K1400000231"

            replace_in(content / "kk" / "police.yaml", "to: police_must_do}", "to: police_must}")
            await page.wait_for_function(
                "document.querySelector('[data-testid=all-problems]').innerText.includes('police_must')",
                timeout=30_000,  # the page looks for changed files every few seconds; a busy machine is slower
            )
            problems = await page.inner_text('[data-testid="all-problems"]')
            assert re.search(re.escape(f"{content}/kk/police.yaml:") + r"\d+: ", problems)
            assert 'opens screen "police_must", which does not exist' in problems
            assert (await page.inner_text('[data-testid="summary"]')).startswith(("1 error", "2 error", "3 error"))
            await browser.close()
    finally:
        await runner.cleanup()
