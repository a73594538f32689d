"""The command line: `python -m bot run | demo | content check`.

Exit codes: 0 ok, 2 bad configuration or usage, 1 failure at run time. Configuration and content problems
are printed as plain lines (no traceback) that say what to fix.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.config import (
    DEFAULT_CONTENT_DIR,
    ConfigError,
    Settings,
    ensure_data_dir,
    key_beside_data,
    load_settings,
    require_token,
    resolve_secret_key,
)
from bot.content.loader import load_content
from bot.content.problems import ContentError, Problem
from bot.content.status import stamp, translation_status
from bot.content.store import ContentStore
from bot.content.validate import DEFAULT_REVIEW_AGE_DAYS, ReleasePolicy, check_content
from bot.features import UI_KEYS
from bot.hardening import harden_process, secure_data_dir
from bot.logging_setup import configure_logging, redact
from bot.storage.database import Database, StorageError
from bot.storage.key_check import WrongKey, verify_key

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ContentError as error:
        _print_problems(error.problems, file=sys.stderr)
        print(
            "the bot will not start with content errors; fix them and run `python -m bot content check`",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except StorageError as error:
        print(f"storage error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception as error:  # the type and a redacted message: never a traceback with the token in a URL
        print(f"unexpected error: {type(error).__name__}: {redact(str(error))}", file=sys.stderr)
        return EXIT_FAILURE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="A Telegram help bot for survivors of domestic violence in Kazakhstan (ru / kk / en).",
        epilog="Configuration comes from BOT_* environment variables or a .env file; see README.md.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the bot (long polling, or a webhook with BOT_WEBHOOK_URL); needs BOT_TOKEN",
        description=(
            "Run the bot with long polling, or as a webhook when BOT_WEBHOOK_URL is set. Needs BOT_TOKEN; stops "
            "cleanly on SIGTERM or Ctrl-C."
        ),
    )
    run.set_defaults(handler=_run)

    demo = commands.add_parser(
        "demo",
        help="chat with the bot offline in this terminal (no token, no network)",
        description=(
            "Start a local fake Telegram server and the real bot, and chat with it here. Buttons are numbered: "
            "type a number to press one, or type text. Type /quit or press Ctrl-D to leave."
        ),
    )
    demo.add_argument("--language", default="kk", help="the language your simulated Telegram app uses (default: kk)")
    demo.add_argument("--tour", action="store_true", help="walk through every section of the main menu, then stop")
    demo.set_defaults(handler=_demo)

    preview = commands.add_parser(
        "preview",
        help="show every screen as Telegram will, in a local web page (no token, no network)",
        description="Serve a preview of the content on http://127.0.0.1:PORT; it follows the files as you edit.",
    )
    preview.add_argument("--port", type=int, default=8765, help="the local port (default 8765)")
    preview.add_argument("--content-dir", type=Path, default=None, help="the content folder")
    preview.set_defaults(handler=_preview)

    stats = commands.add_parser(
        "stats",
        help="how often each screen was shown, per language (counts only; under 5 shown as <5)",
        description="Screen views per language over the last days, from the bot's database. Counts only: "
        "no person, no time of day, no order of screens.",
    )
    stats.add_argument("--days", type=int, default=30, help="how many days back (default 30)")
    stats.set_defaults(handler=_stats)

    content = commands.add_parser(
        "content", help="work with the content files", description=("Tools for content editors.")
    )
    content_commands = content.add_subparsers(title="content commands", metavar="COMMAND")
    check = content_commands.add_parser(
        "check",
        help="check every content file and print problems as path:line",
        description=(
            "Check the whole content tree. Prints every problem as path:line: message and exits 1 if any is an error."
        ),
    )
    check.add_argument(
        "--content-dir",
        type=Path,
        default=None,
        help=f"the content folder (default: BOT_CONTENT_DIR or {DEFAULT_CONTENT_DIR})",
    )
    check.add_argument(
        "--release",
        action="store_true",
        help="also require a recent review (reviewed: by, on) on every legal and service screen",
    )
    check.add_argument(
        "--max-review-age-days",
        type=int,
        default=DEFAULT_REVIEW_AGE_DAYS,
        help=f"with --release: how old a review may be (default {DEFAULT_REVIEW_AGE_DAYS})",
    )
    check.set_defaults(handler=_content_check)
    status = content_commands.add_parser(
        "status",
        help="which screens each translation lacks or has out of date, with word counts",
        description=(
            "Per language: screens missing, outdated (the Russian text changed since the translation was made) "
            "and up to date. --stamp LANG marks that language's screens as translated from the current Russian "
            "text (after a translator has updated them)."
        ),
    )
    status.add_argument("--content-dir", type=Path, default=None, help="the content folder")
    status.add_argument("--strict", action="store_true", help="exit 1 if anything is missing or outdated")
    status.add_argument("--stamp", metavar="LANG", choices=["kk", "en"], help="record the current versions for LANG")
    status.add_argument("screens", nargs="*", help="with --stamp: only these screen ids")
    status.set_defaults(handler=_content_status)
    content.set_defaults(handler=lambda _args: _usage(content))
    return parser


def _run(_args: argparse.Namespace) -> int:
    from bot.runner import reload_content, serve

    settings = load_settings()
    token = require_token(settings)
    webhook_secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    configure_logging(settings.log_level, [token, webhook_secret], settings.log_format)
    harden_process()
    ensure_data_dir(settings)
    secure_data_dir(settings.data_dir)
    secret_key, created = resolve_secret_key(settings)
    if created:
        log.warning("created a new secret key in the data folder; back it up together with the database")
    if key_beside_data(settings):
        log.warning(
            "the secret key lies in the data folder beside the data it protects: whoever copies the folder (a "
            "seized disk, a backup) can open every journal without a PIN; keep it apart with BOT_SECRET_KEY_FILE "
            "(README: Keys)"
        )
    if asyncio.run(_check_key(settings, secret_key)):
        log.info("key check recorded in the database")
    content = ContentStore.load(settings.content_dir, UI_KEYS)

    async def main_loop() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(stop_signal, stop.set)
        loop.add_signal_handler(signal.SIGHUP, reload_content, content)
        await serve(settings, token, content, secret_key, stop)

    asyncio.run(main_loop())
    return EXIT_OK


async def _check_key(settings: Settings, secret_key: bytes) -> bool:
    """Refuse a key the database was not created with (exit 2), before anything else touches it."""
    database = await Database.open(settings.database_path)
    try:
        return await verify_key(database, secret_key)
    except WrongKey as error:
        raise ConfigError(
            f"BOT_SECRET_KEY: {error} ({settings.database_path}); start with the key it was created with — "
            "nothing was changed"
        ) from None
    finally:
        await database.close()


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(language_code=args.language, tour=args.tour)


def _content_check(args: argparse.Namespace) -> int:
    content_dir = args.content_dir or load_settings().content_dir
    if not content_dir.is_dir():
        raise ConfigError(f"the content folder {content_dir} does not exist")
    release = ReleasePolicy(args.max_review_age_days) if args.release else None
    tree, problems = check_content(content_dir, UI_KEYS, release=release)
    _print_problems(problems, file=sys.stdout)
    errors = sum(problem.is_error for problem in problems)
    warnings = len(problems) - errors
    screens = len(tree.packs["ru"].screens)
    print(f"{errors} error(s), {warnings} warning(s) in {screens} screens × {len(tree.packs)} languages")
    return EXIT_FAILURE if errors else EXIT_OK


def _preview(args: argparse.Namespace) -> int:
    from bot.preview.server import serve_preview

    settings = load_settings()
    content_dir = args.content_dir or settings.content_dir

    async def main_loop() -> None:
        runner, port = await serve_preview(content_dir, args.port, settings.database_path)
        print(f"Preview on http://127.0.0.1:{port}/ — Ctrl-C to stop", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(stop_signal, stop.set)
        await stop.wait()
        await runner.cleanup()

    asyncio.run(main_loop())
    return EXIT_OK


def _stats(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.storage.database import Database
    from bot.storage.usage import ScreenCount, UsageRepository
    from bot.timezone import ALMATY

    settings = load_settings()
    if not settings.database_path.exists():
        print(f"no usage recorded yet (no database at {settings.database_path})")
        return EXIT_OK
    since = dt.datetime.now(ALMATY).date() - dt.timedelta(days=max(args.days, 1) - 1)

    async def read() -> list[ScreenCount]:
        database = await Database.open(settings.database_path)
        try:
            return await UsageRepository(database).totals(since)
        finally:
            await database.close()

    counts = asyncio.run(read())
    print(f"Screen views since {since.isoformat()} (Kazakhstan time); counts under 5 are shown as <5")
    by_screen: dict[str, dict[str, ScreenCount]] = {}
    for count in counts:
        by_screen.setdefault(count.screen, {})[count.language] = count
    print(f"{'screen':<28}{'ru':>8}{'kk':>8}{'en':>8}")
    for screen, languages in by_screen.items():
        cells = [languages[lang].shown if lang in languages else "0" for lang in ("ru", "kk", "en")]
        print(f"{screen:<28}" + "".join(f"{cell:>8}" for cell in cells))
    if not counts:
        print("(no views in this period)")
    return EXIT_OK


def _content_status(args: argparse.Namespace) -> int:
    content_dir = args.content_dir or load_settings().content_dir
    # Only loaded, not checked: a screen missing in a translation is exactly what this command reports.
    tree, problems = load_content(content_dir)
    if problems:
        _print_problems(problems, file=sys.stdout)
        print("some files could not be read; fix these first (python -m bot content check)")
        return EXIT_FAILURE
    if args.stamp:
        stamped = stamp(tree, args.stamp, args.screens or None)
        print(f"{args.stamp}: {len(stamped)} screen(s) marked as translated from the current Russian text")
        return EXIT_OK
    incomplete = False
    for status in translation_status(tree):
        incomplete |= not status.complete
        print(
            f"{status.language}: {len(status.current)} up to date, {len(status.outdated)} outdated, "
            f"{len(status.missing)} missing — {status.words_to_translate} Russian words to translate"
        )
        for screen_id in status.missing:
            print(f"  missing   {screen_id}")
        for screen_id in status.outdated:
            print(f"  outdated  {screen_id}")
    return EXIT_FAILURE if args.strict and incomplete else EXIT_OK


def _print_problems(problems: list[Problem], file: TextIO) -> None:
    for problem in problems:
        print(problem, file=file)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_USAGE
