"""The editors' preview answers only to its own address: a page elsewhere cannot read it by pointing its own
host name at 127.0.0.1 (DNS rebinding)."""

from __future__ import annotations

import aiohttp

from bot.config import DEFAULT_CONTENT_DIR
from bot.preview.server import serve_preview


async def test_the_preview_refuses_any_host_name_but_its_own() -> None:
    runner, port = await serve_preview(DEFAULT_CONTENT_DIR, 0)
    try:
        async with aiohttp.ClientSession() as session:
            for host, status in (
                (f"127.0.0.1:{port}", 200),
                (f"localhost:{port}", 200),
                (f"rebound.example:{port}", 403),
                ("127.0.0.1.rebound.example", 403),
            ):
                async with session.get(f"http://127.0.0.1:{port}/", headers={"Host": host}) as response:
                    assert response.status == status, host
                    if status == 403:
                        assert "welcome" not in await response.text()  # nothing of the content leaks
    finally:
        await runner.cleanup()
