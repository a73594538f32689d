"""`python -m bot preview`: every screen as Telegram shows it, the three languages side by side, in a browser.

A local page on 127.0.0.1 for content editors: formatting, links and button rows as in Telegram, buttons that
follow their links, the checker's problems next to the screen they concern, sources and dates, outdated
translations marked, usage counts, and a search over screen ids and texts. The content folder is read again
on every request and the page reloads itself when a file changes. No token, no network.
"""

from __future__ import annotations

import datetime as dt
import html
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.content.loader import load_content
from bot.content.model import ContentTree
from bot.content.problems import Problem
from bot.content.registry import LANGUAGES, SOURCE_LANGUAGE, START_SCREEN
from bot.content.render import render_screen, render_sources, shows_sources
from bot.content.status import translation_status
from bot.content.validate import check_tree
from bot.features import UI_KEYS

LANGUAGE_NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}


@dataclass
class Snapshot:
    tree: ContentTree
    problems: list[Problem]
    outdated: dict[str, set[str]]  # language -> screen ids whose translation lags behind


def snapshot(content_dir: Path) -> Snapshot:
    tree, problems = load_content(content_dir)
    problems = problems + check_tree(tree, dt.date.today(), UI_KEYS)
    outdated = {status.language: set(status.outdated) for status in translation_status(tree)}
    return Snapshot(tree, problems, outdated)


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


@web.middleware
async def _local_host_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A page elsewhere could point its own name at 127.0.0.1 (DNS rebinding) and read the preview; a request
    for any other host name is refused."""
    host = (request.host or "").rsplit(":", 1)[0].strip("[]").lower()
    if host not in LOCAL_HOSTS:
        raise web.HTTPForbidden(text="the preview answers only to 127.0.0.1 and localhost")
    return await handler(request)


def create_app(content_dir: Path, database_path: Path | None = None) -> web.Application:
    app = web.Application(middlewares=[_local_host_only])

    async def page(request: web.Request) -> web.Response:
        shot = snapshot(content_dir)
        query = request.query.get("q", "").strip()
        screen_id = request.query.get("screen") or START_SCREEN
        sources = request.query.get("view") == "sources"  # the full list the Sources button opens
        counts = _usage(database_path, screen_id)
        body = _render_page(shot, screen_id, query, counts, sources)
        return web.Response(text=body, content_type="text/html", charset="utf-8")

    async def version(_request: web.Request) -> web.Response:
        tree, _ = load_content(content_dir)
        return web.Response(text=tree.fingerprint)

    app.router.add_get("/", page)
    app.router.add_get("/version", version)
    return app


async def serve_preview(content_dir: Path, port: int, database_path: Path | None = None) -> tuple[web.AppRunner, int]:
    """Start the page on 127.0.0.1 (port 0: any free port); returns the runner and the port."""
    runner = web.AppRunner(create_app(content_dir, database_path), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, int(runner.addresses[0][1])


def _usage(database_path: Path | None, screen_id: str) -> dict[str, str]:
    """Views of this screen in the last 30 days, per language; under 5 shown as <5."""
    if database_path is None or not database_path.exists():
        return {}
    since = (dt.date.today() - dt.timedelta(days=29)).isoformat()
    try:
        with sqlite3.connect(f"file:{database_path}?mode=ro", uri=True) as connection:
            rows = connection.execute(
                "SELECT language, SUM(views) FROM screen_views WHERE screen = ? AND day >= ? GROUP BY language",
                (screen_id, since),
            ).fetchall()
    except sqlite3.Error:
        return {}
    return {language: (str(views) if views >= 5 else "<5") for language, views in rows}


def _matches(shot: Snapshot, screen_id: str, query: str) -> bool:
    if not query:
        return True
    needle = query.lower()
    if needle in screen_id.lower():
        return True
    return any(
        screen_id in pack.screens and needle in pack.screens[screen_id].text.lower()
        for pack in shot.tree.packs.values()
    )


def _problems_for(shot: Snapshot, language: str, screen_id: str) -> list[Problem]:
    """The checker's problems located inside this screen's block in this language's file."""
    pack = shot.tree.packs[language]
    origin = pack.screen_origins.get(screen_id)
    if origin is None:
        return []
    path, start = origin.source.path, origin.where().line
    following = [
        other.where().line
        for other in pack.screen_origins.values()
        if other.source.path == path and other.where().line > start
    ]
    end = min(following, default=10**9)
    return [p for p in shot.problems if p.location.path == path and start <= p.location.line < end]


def _render_page(shot: Snapshot, screen_id: str, query: str, counts: dict[str, str], sources: bool = False) -> str:
    e = html.escape
    source = shot.tree.packs[SOURCE_LANGUAGE].screens
    ids = [s for s in sorted(source) if _matches(shot, s, query)]
    links = "".join(
        f'<li><a data-testid="screen-link" href="?screen={e(s)}&q={e(query)}"'
        f"{' class=current' if s == screen_id else ''}>{e(s)}</a></li>"
        for s in ids
    )
    errors = [p for p in shot.problems if p.is_error]
    summary = f"{len(errors)} error(s), {len(shot.problems) - len(errors)} warning(s)"
    all_problems = "".join(f'<li class="problem">{e(str(p))}</li>' for p in shot.problems)
    columns = "".join(_column(shot, language, screen_id, query, counts, sources) for language in LANGUAGES)
    return f"""<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Preview · {e(screen_id)}</title>
<style>
body {{ font-family: sans-serif; margin: 0; display: flex; background: #e7ebf0; }}
nav {{ width: 220px; padding: 12px; background: #fff; height: 100vh; overflow: auto; box-sizing: border-box; }}
nav ul {{ list-style: none; padding: 0; }} nav a.current {{ font-weight: bold; }}
main {{ flex: 1; padding: 12px; overflow: auto; height: 100vh; box-sizing: border-box; }}
.columns {{ display: flex; gap: 12px; align-items: flex-start; }}
.column {{ flex: 1; min-width: 0; }}
.bubble {{ background: #fff; border-radius: 12px; padding: 10px 12px; white-space: pre-wrap; line-height: 1.35; }}
.row {{ display: flex; gap: 4px; margin-top: 4px; }}
.button {{ flex: 1; text-align: center; background: #5b8fb9; color: #fff; border-radius: 8px; padding: 8px 4px;
  text-decoration: none; font-size: 14px; }}
.button.action {{ background: #8aa6bd; }}
.problem {{ color: #a40000; font-family: monospace; white-space: pre-wrap; }}
.badge {{ background: #f0ad4e; color: #000; border-radius: 4px; padding: 0 4px; font-size: 12px; }}
.meta {{ color: #555; font-size: 12px; margin: 4px 0; }}
</style></head><body>
<nav><form><input name="q" value="{e(query)}" placeholder="search ids and texts" data-testid="search">
<input type="hidden" name="screen" value="{e(screen_id)}"></form>
<p data-testid="summary">{e(summary)}</p><ul>{links}</ul></nav>
<main><h2>{e(screen_id)}</h2><div class="columns">{columns}</div>
<h3>All problems</h3><ul data-testid="all-problems">{all_problems}</ul></main>
<script>
const shown = "{e(shot.tree.fingerprint)}";
setInterval(async () => {{
  try {{ const r = await fetch("/version"); if ((await r.text()) !== shown) location.reload(); }} catch (e) {{}}
}}, 1000);
</script></body></html>"""


def _column(
    shot: Snapshot, language: str, screen_id: str, query: str, counts: dict[str, str], sources: bool = False
) -> str:
    e = html.escape
    head = f"<h3>{LANGUAGE_NAMES[language]}"
    if screen_id in shot.outdated.get(language, set()):
        head += ' <span class="badge" data-testid="outdated">outdated translation</span>'
    head += "</h3>"
    problems = "".join(f'<div class="problem">{e(str(p))}</div>' for p in _problems_for(shot, language, screen_id))
    usage = f'<div class="meta">views, last 30 days: {e(counts.get(language, "0"))}</div>'
    if screen_id not in shot.tree.packs[language].screens:
        return (
            f'<div class="column" data-lang="{language}">{head}'
            f'<div class="problem">this screen cannot be shown in {language}</div>{problems}</div>'
        )
    try:
        screen = shot.tree.packs[language].screens[screen_id]
        if sources and shows_sources(shot.tree, screen):
            view = render_sources(shot.tree, language, screen_id)
        else:
            view = render_screen(shot.tree, language, screen_id)
    except (KeyError, ValueError, IndexError):  # a broken UI strings file: its problem is listed
        return (
            f'<div class="column" data-lang="{language}">{head}'
            f'<div class="problem">cannot be shown</div>{problems}</div>'
        )
    rows = []
    for row in view.buttons:
        cells = []
        for button in row:
            if button.callback_data and button.callback_data.startswith("1:s:"):
                target = button.callback_data[4:]
                href = f"?screen={e(target)}&q={e(query)}"
                cells.append(f'<a class="button" data-testid="button" href="{href}">{e(button.text)}</a>')
            elif button.callback_data and button.callback_data.startswith("1:src:"):
                href = f"?screen={e(button.callback_data[6:])}&view=sources&q={e(query)}"
                cells.append(f'<a class="button" data-testid="button" href="{href}">{e(button.text)}</a>')
            elif button.url:
                cells.append(f'<a class="button" href="{e(button.url)}" target="_blank">{e(button.text)}</a>')
            else:
                action = (button.callback_data or "")[2:]
                cells.append(f'<span class="button action" title="{e(action)}">{e(button.text)}</span>')
        rows.append(f'<div class="row">{"".join(cells)}</div>')
    # view.html is Telegram HTML made by our renderer: only <b>, <i> and <a href>, everything else escaped.
    return (
        f'<div class="column" data-lang="{language}">{head}'
        f'<div class="bubble" data-testid="bubble">{view.html}</div>{"".join(rows)}{usage}{problems}</div>'
    )
