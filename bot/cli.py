"""The command line: `python -m bot run | demo | preview | stats | desks | keys | backup | restore | content`.

Exit codes: 0 ok, 2 bad configuration or usage, 1 failure at run time. Configuration and content problems
are printed as plain lines (no traceback) that say what to fix.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO, TypeVar

from bot.config import (
    DEFAULT_CONTENT_DIR,
    ENV_PREFIX,
    SECRET_KEY_FILE,
    ConfigError,
    Settings,
    ensure_data_dir,
    key_beside_data,
    load_settings,
    require_configured_key,
    require_token,
    resolve_previous_key,
    resolve_secret_key,
)
from bot.content.loader import load_content
from bot.content.problems import ContentError, Problem
from bot.content.status import stamp, translation_status
from bot.content.store import ContentStore
from bot.content.validate import DEFAULT_REVIEW_AGE_DAYS, ReleasePolicy, check_content
from bot.features import UI_KEYS
from bot.handoff.desks import DesksError
from bot.hardening import DataFolderBusy, harden_process, lock_data_dir, secure_data_dir
from bot.logging_setup import configure_logging, redact
from bot.storage.database import Database, StorageError
from bot.storage.key_check import WrongKey, verify_key

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")
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
    except DesksError as error:
        _print_problems(error.problems, file=sys.stderr)
        print(
            f"the bot will not start with errors in the desks file ({ENV_PREFIX}DESKS_FILE); fix them and start again",
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

    desks = commands.add_parser(
        "desks",
        help="the advocates' desks (BOT_DESKS_FILE): check the file, or their figures",
        description="The advocates' desks: one forum group per organisation (README: Talking to a person).",
    )
    desks_commands = desks.add_subparsers(title="desks commands", metavar="COMMAND")
    desks_check = desks_commands.add_parser(
        "check", help="check BOT_DESKS_FILE and print every problem as path:line (exit 1 if any)"
    )
    desks_check.set_defaults(handler=_desks_check)
    desks_stats = desks_commands.add_parser(
        "stats",
        help="per desk: cases opened and closed, time to first reply, answered in time, transfers (counts only)",
        description=(
            "Each desk's figures over the last days, from the bot's database: cases opened and closed, the median "
            "time to a first reply, the share answered within the wait she was promised, transfers out and in. "
            "Counts only: under 5 shown as <5, medians and shares only over 5 or more answered cases."
        ),
    )
    desks_stats.add_argument("--days", type=int, default=30, help="how many days back (default 30)")
    desks_stats.set_defaults(handler=_desks_stats)
    desks.set_defaults(handler=lambda _args: _usage(desks))

    keys = commands.add_parser(
        "keys",
        help="rotate BOT_SECRET_KEY (README: Keys)",
        description="Move the database to a new secret key. Stop the bot first.",
    )
    keys_commands = keys.add_subparsers(title="keys commands", metavar="COMMAND")
    rotate = keys_commands.add_parser(
        "rotate",
        help="re-seal everything under BOT_SECRET_KEY (new) from BOT_SECRET_KEY_PREVIOUS (old); resumable",
        description=(
            "With the bot stopped: the new key in BOT_SECRET_KEY (or _FILE), the old one in BOT_SECRET_KEY_PREVIOUS "
            "(or _FILE). Sealed values and journal keys without a PIN move at once; each person moves to her new "
            "pseudonym when she next writes, a PIN journal when it is next unlocked. Run it again to resume."
        ),
    )
    rotate.set_defaults(handler=_keys_rotate)
    keys_status = keys_commands.add_parser("status", help="how many people and PIN journals still wait to move")
    keys_status.set_defaults(handler=_keys_status)
    finish = keys_commands.add_parser(
        "finish",
        help="end a rotation: delete the previous key's subkeys (and with --discard whoever never came back)",
    )
    finish.add_argument(
        "--discard",
        action="store_true",
        help="also delete the data of people who have not written since, and PIN journals not opened since",
    )
    finish.set_defaults(handler=_keys_finish)
    keys.set_defaults(handler=lambda _args: _usage(keys))
    backup = commands.add_parser(
        "backup",
        help="write a consistent backup archive of the data folder, while the bot runs (never the key)",
        description=(
            "Snapshot the database (SQLite's online backup) and the journal files it refers to into one tar "
            "archive with a SHA-256 manifest. DEST is a folder (a timestamped .tar.gz is written in it) or a file "
            "name ending in .tar.gz, .tgz or .tar. The secret key is never written into it. Prints the archive's "
            "path, size and number of members."
        ),
    )
    backup.add_argument("dest", type=Path, metavar="DEST", help="a folder, or the archive's file name")
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser(
        "restore",
        help="restore a backup archive into a new, empty data folder, after checking it and the key",
        description=(
            "Check the archive (manifest, no unsafe paths), the key (BOT_SECRET_KEY or BOT_SECRET_KEY_FILE must be "
            "the key the backup was made with) and the database's integrity, then write it into DIR, which must be "
            "new or empty. On any failure DIR is left as it was."
        ),
    )
    restore.add_argument("source", type=Path, metavar="SRC", help="the backup archive")
    restore.add_argument("--data-dir", type=Path, required=True, metavar="DIR", help="the new data folder")
    restore.set_defaults(handler=_restore)

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
    from bot.runner import reload_all, serve
    from bot.services import open_desks

    settings = load_settings()
    token = require_token(settings)
    desks = open_desks(settings)  # a desks file with errors stops the start here, before anything is written
    webhook_secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    configure_logging(settings.log_level, [token, webhook_secret], settings.log_format)
    harden_process()
    ensure_data_dir(settings)
    secure_data_dir(settings.data_dir)
    try:
        lock_data_dir(settings.data_dir)  # held until the process ends
    except DataFolderBusy as error:
        raise ConfigError(f"{ENV_PREFIX}DATA_DIR: {error}") from None
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
        loop.add_signal_handler(signal.SIGHUP, reload_all, content, desks)
        await serve(settings, token, content, secret_key, stop, desks=desks)

    asyncio.run(main_loop())
    return EXIT_OK


async def _check_key(settings: Settings, secret_key: bytes) -> bool:
    """Refuse a key the database was not created with (exit 2), or a rotation left half-way, before anything
    else touches the database."""
    from bot.rotation.rotate import RotationError, load_legacy

    database = await Database.open(settings.database_path)
    try:
        recorded = await verify_key(database, secret_key)
        await load_legacy(database, secret_key)
        return recorded
    except WrongKey as error:
        raise ConfigError(
            f"BOT_SECRET_KEY: {error} ({settings.database_path}); start with the key it belongs to — "
            "nothing was changed"
        ) from None
    except RotationError as error:
        raise ConfigError(f"BOT_SECRET_KEY: {error}") from None
    finally:
        await database.close()


def _keys_rotate(_args: argparse.Namespace) -> int:
    from bot.rotation.rotate import rotate

    settings = load_settings()
    new_key, previous_key = require_configured_key(settings), resolve_previous_key(settings)
    report = asyncio.run(_with_database(settings, lambda database: rotate(database, previous_key, new_key)))
    if report.already_done:
        print("this database is already under the new key")
    else:
        resealed = ", ".join(f"{table} {count}" for table, count in report.resealed.items())
        print(f"{'resumed: ' if report.resumed else ''}re-sealed {resealed}; journal keys without a PIN re-wrapped: "
              f"{report.rewrapped}")  # fmt: skip
    print(
        f"waiting: {report.waiting_people} people move to the new key when they next write, "
        f"{report.waiting_pin_journals} PIN journals when next unlocked (python -m bot keys status; README: Keys)"
    )
    if (settings.data_dir / SECRET_KEY_FILE).exists() and not key_beside_data(settings):
        print(f"{settings.data_dir / SECRET_KEY_FILE} is no longer used: move it off this disk, kept with the backups "
              "made before today, then delete it")  # fmt: skip
    print("start the bot with the new key only")
    return EXIT_OK


def _keys_status(_args: argparse.Namespace) -> int:
    from bot.rotation.rotate import status

    settings = load_settings()
    result = asyncio.run(_with_database(settings, status, lock=False))
    if result.state is None:
        print("no key rotation is going on")
        return EXIT_OK
    started = dt.datetime.fromtimestamp(result.state.started_at, dt.UTC).date().isoformat()
    finished = "finished" if result.state.resealed_at is not None else "INTERRUPTED: run keys rotate again"
    print(f"rotation started {started}, re-sealing {finished}")
    print(f"{result.waiting_people} people have not written since; {result.waiting_pin_journals} PIN journals not "
          "opened since")  # fmt: skip
    return EXIT_OK


def _keys_finish(args: argparse.Namespace) -> int:
    from bot.rotation.rotate import finish

    settings = load_settings()
    people, journals = asyncio.run(
        _with_database(settings, lambda database: finish(database, settings.data_dir, discard=args.discard))
    )
    print(f"rotation finished; deleted the data of {people} people and {journals} PIN journals that waited")
    return EXIT_OK


async def _with_database(settings: Settings, work: Callable[[Database], Awaitable[T]], *, lock: bool = True) -> T:
    """Run `work` on the bot's database, holding the data folder so no bot runs meanwhile."""
    from bot.rotation.rotate import RotationError

    if not settings.database_path.exists():
        raise ConfigError(f"{ENV_PREFIX}DATA_DIR: no database at {settings.database_path}")
    holder = None
    try:
        if lock:
            holder = lock_data_dir(settings.data_dir)
        database = await Database.open(settings.database_path)
        try:
            return await work(database)
        finally:
            await database.close()
    except (DataFolderBusy, RotationError) as error:
        raise ConfigError(str(error)) from None
    finally:
        if holder is not None:
            os.close(holder)


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


def _first_day(days: int) -> dt.date:
    """The first of the last `days` days (today included), in Kazakhstan time: what `stats` commands count."""
    from bot.timezone import ALMATY

    return dt.datetime.now(ALMATY).date() - dt.timedelta(days=max(days, 1) - 1)


def _stats(args: argparse.Namespace) -> int:
    from bot.storage.usage import ScreenCount, UsageRepository

    settings = load_settings()
    if not settings.database_path.exists():
        print(f"no usage recorded yet (no database at {settings.database_path})")
        return EXIT_OK
    since = _first_day(args.days)

    async def read(database: Database) -> list[ScreenCount]:
        return await UsageRepository(database).totals(since)

    counts = asyncio.run(_with_database(settings, read, lock=False))
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


def _desks_check(_args: argparse.Namespace) -> int:
    from bot.services import open_desks

    settings = load_settings()
    if settings.desks_file is None:
        raise ConfigError(f"{ENV_PREFIX}DESKS_FILE: not set; nothing to check")
    try:
        book = open_desks(settings).book
    except DesksError as error:
        _print_problems(error.problems, file=sys.stdout)
        print(f"{len(error.problems)} problem(s); the bot will not start with this file")
        return EXIT_FAILURE
    for desk in book:
        regions = "the whole country" if desk.national else ", ".join(sorted(desk.regions))
        print(f"{desk.id}: {desk.name}; {regions}; {', '.join(desk.languages)}; {desk.hours_text}; "
              f"{len(desk.advocates)} advocates, {len(desk.coordinators)} coordinators")  # fmt: skip
    print(f"{len(book)} desk(s), no problems (their groups are checked when the bot starts)")
    return EXIT_OK


def _desks_stats(args: argparse.Namespace) -> int:
    from bot.handoff.figures import shown
    from bot.handoff.repository import DeskEventRepository, DeskFigures

    settings = load_settings()
    if not settings.database_path.exists():
        print(f"no figures yet (no database at {settings.database_path})")
        return EXIT_OK
    since = _first_day(args.days)

    async def read(database: Database) -> list[DeskFigures]:
        return await DeskEventRepository(database).figures(since.isoformat())

    figures = asyncio.run(_with_database(settings, read, lock=False))
    print(
        f"Desks' figures since {since.isoformat()} (Kazakhstan time). Counts under 5 are shown as <5; the median "
        "time to a first reply and the share answered within the promised wait only over 5 or more answered cases."
    )
    header = ("desk", "opened", "closed", "first reply (median min)", "in promised wait", "transferred out", "in")
    widths = (20, 8, 8, 26, 18, 17, 6)
    print("".join(f"{cell:<{width}}" for cell, width in zip(header, widths, strict=True)))
    for desk in figures:
        row = shown(desk)
        cells = (desk.desk_id, row.opened, row.closed, row.first_reply_median, row.in_time, row.transfers_out,
                 row.transfers_in)  # fmt: skip
        print("".join(f"{cell:<{width}}" for cell, width in zip(cells, widths, strict=True)))
    if not figures:
        print("(nothing happened at any desk in this period)")
    return EXIT_OK


def _backup(args: argparse.Namespace) -> int:
    from bot.operations.backup import backup

    settings = load_settings()
    harden_process()  # the snapshot and the archive private to this user; no core dump

    def work() -> str:
        result = backup(settings.data_dir, args.dest)
        return f"{result.path} {result.size} bytes, {result.members} members ({result.journal_files} journal files)"

    return _carry_out("backup", "nothing was written", work)


def _restore(args: argparse.Namespace) -> int:
    from bot.operations.restore import restore

    settings = load_settings()
    if key_beside_data(settings):
        # Never a new key here: it could not open the backup, and the bot would later refuse it anyway.
        raise ConfigError(
            "BOT_SECRET_KEY_FILE: no key configured; set it (or BOT_SECRET_KEY) to the key the backup was made "
            "with — a backup never holds the key"
        )
    secret_key, _ = resolve_secret_key(settings)
    variable = "BOT_SECRET_KEY_FILE" if settings.secret_key_file is not None else "BOT_SECRET_KEY"
    harden_process()

    def work() -> str:
        result = restore(args.source, args.data_dir, secret_key, variable)
        return (
            f"restored the database (schema {result.schema_version}, backed up {result.created_at}) and "
            f"{result.journal_files} journal files into {result.data_dir}"
        )

    return _carry_out("restore", f"{args.data_dir} was left as it was", work)


def _carry_out(name: str, untouched: str, work: Callable[[], str]) -> int:
    """Run a backup or restore: its one line on success, else one line per problem with the exit code it
    deserves. SIGTERM (a timer stopped) and Ctrl-C end it through its clean-up, and never with exit 0."""
    from bot.operations.archive import OperationError, OperationRefused

    def terminate(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        print(work())
        return EXIT_OK
    except OperationRefused as error:
        print(f"{name}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OperationError as error:
        print(f"{name}: {error}; {untouched}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"{name}: interrupted; {untouched}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        signal.signal(signal.SIGTERM, previous)


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
