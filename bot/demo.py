"""`python -m bot demo`: chat with the real bot in a terminal, against the local fake Telegram server.
`--tour` opens every section of the main menu, then the journal: one entry and a statement drafted from it.

No token and no network: the simulator listens on 127.0.0.1, the bot polls it exactly as it would poll
Telegram, and this module plays the person's phone — printing what her chat shows and pressing buttons.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

from bot.config import load_settings
from bot.content.store import ContentStore
from bot.features import UI_KEYS
from bot.logging_setup import configure_logging
from bot.runner import serve
from bot.simulator import DEFAULT_TOKEN, SimGroup, SimMessage, Simulator, SimUser

REPLY_TIMEOUT = 10.0  # seconds to wait for the bot's answer
SETTLE = 0.3  # the bot may answer with more than one message or edit: collect them before prompting
QUIT_WORDS = {"/quit", "/exit", "quit", "exit"}
TOUR_PAUSE = 0.3  # seconds between the tour's taps

INTRO = (
    "Offline demo: a fake Telegram server on 127.0.0.1 and the real bot. Nothing leaves this computer.\n"
    "Type a button's number to press it, or type a message. /quit or Ctrl-D leaves.\n"
    "Lines marked ┆ are what the advocates see, in two desks' groups: the Almaty crisis centre (Almaty and\n"
    "Almaty region) and the National line (everywhere else). After 💬 Talk to a person, answer as the\n"
    "advocate of her case with: /advocate your text — and /advocate /transfer national moves it."
)
# The two desks the demo plays (BOT_DESKS_FILE), both always open; each group's one advocate is its coordinator.
DESKS = (
    ("almaty", "Almaty crisis centre", ["KZ-75", "KZ-19"], ["ru", "kk"]),
    ("national", "National line", ["*"], ["ru", "kk", "en"]),
)
ADVOCATE_COMMAND = "/advocate "


def run_demo(
    language_code: str = "kk", tour: bool = False, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    return asyncio.run(_demo(language_code, tour, stdin or sys.stdin, stdout or sys.stdout))


async def _demo(language_code: str, tour: bool, stdin: TextIO, stdout: TextIO) -> int:
    base = load_settings()
    configure_logging("WARNING")
    content = ContentStore.load(base.content_dir, UI_KEYS)
    terminal = Terminal(stdout)
    with tempfile.TemporaryDirectory(prefix="bot-demo-") as data_dir:
        async with Simulator(token=DEFAULT_TOKEN, bot_username="help_demo_bot") as sim:
            # The advocates' side: two desks, each a forum group where the bot is an administrator, always on shift.
            desks_file = Path(data_dir) / "desks.json"  # JSON is YAML too
            terminal.watch(sim, _desks(sim, desks_file))
            settings = base.model_copy(
                update={
                    "api_url": sim.base_url,
                    "data_dir": Path(data_dir),
                    "advocate_chat_id": None,
                    "desks_file": desks_file,
                }
            )
            stop, ready = asyncio.Event(), asyncio.Event()
            bot_task = asyncio.create_task(serve(settings, DEFAULT_TOKEN, content, b"demo" * 16, stop, ready))
            try:
                await asyncio.wait_for(ready.wait(), timeout=REPLY_TIMEOUT)
                user = sim.add_user(first_name="Demo", language_code=language_code)
                if tour:
                    await _tour(user, terminal)
                else:
                    terminal.say(INTRO)
                    await _converse(user, _lines_from(stdin), terminal)
            finally:
                stop.set()
                await bot_task
    terminal.say("Bye.")
    return 0


def _desks(sim: Simulator, path: Path) -> list[tuple[SimGroup, SimUser]]:
    """The demo's desks: their groups and advocates in the simulator, and the desks file that names them."""
    desks, entries = [], []
    for desk_id, name, regions, languages in DESKS:
        group = sim.add_forum_group(name)
        advocate = sim.add_user(first_name="Advocate", language_code="ru")
        group.add_member(advocate)
        desks.append((group, advocate))
        entries.append(
            {
                "id": desk_id, "name": name, "chat_id": group.id, "regions": regions, "languages": languages,
                "hours": "00:00-24:00", "days": "mon-sun", "advocates": [advocate.id], "coordinators": [advocate.id],
            }
        )  # fmt: skip
    path.write_text(json.dumps({"desks": entries}, ensure_ascii=False), encoding="utf-8")
    return desks


async def _converse(user: SimUser, lines: asyncio.Queue[str | None], terminal: Terminal) -> None:
    terminal.say("> /start")
    await user.send_text("/start")
    await _show_replies(user, terminal)
    while True:
        line = await lines.get()
        if line is None or line.strip().lower() in QUIT_WORDS:
            return
        line = line.strip()
        if not line:
            continue
        if line.startswith(ADVOCATE_COMMAND):
            said = line[len(ADVOCATE_COMMAND) :]
            if not await terminal.advocate_says(said):
                terminal.say("There is no case yet: open one with 💬 first.")
                continue
            if said.startswith("/"):
                continue  # a command in the group (/transfer): nothing reaches her chat
        elif line.isdigit():
            buttons = terminal.numbered_buttons
            number = int(line)
            if not 1 <= number <= len(buttons):
                terminal.say(f"There is no button {number}. Choose 1 to {len(buttons)}, or type a message.")
                continue
            message, text = buttons[number - 1]
            terminal.say(f"> [{text}]")
            await user.press(text, message=message)
        else:
            if terminal.has_case():
                # In an open case her message goes to the advocates: wait for it to appear there.
                before = terminal.group_size()
                await user.send_text(line)
                await terminal.wait_for_group(before)
                terminal.show_group_changes()
                continue
            await user.send_text(line)
        await _show_replies(user, terminal)


async def _tour(user: SimUser, terminal: Terminal) -> None:
    """Open every section of the main menu in turn and show its first screen."""
    terminal.say("A tour of the main menu: each section's first screen, in turn.")
    terminal.say("> /menu")
    await user.send_text("/menu")
    await _show_replies(user, terminal)
    menu = next(message for message in reversed(user.messages) if message.from_bot and message.buttons)
    sections = [
        button.text
        for row in menu.buttons
        for button in row
        if button.callback_data and button.callback_data.startswith("1:s:")
    ]
    for index, section in enumerate(sections):
        await asyncio.sleep(TOUR_PAUSE)  # a person's pace (the bot slows down anyone tapping faster)
        if index:
            await user.send_text("/menu")
            await _show_replies(user, terminal, quiet=True)
        terminal.say(f"=== {section} ===")
        terminal.say(f"> [{section}]")
        await user.press(section)
        await _show_replies(user, terminal)
    await _statement_tour(user, terminal)


async def _statement_tour(user: SimUser, terminal: Terminal) -> None:
    """The journal, one short entry, and a statement drafted from it: choose the entry, then three taps (the
    document, "leave all blank", "make") to the PDF and DOCX. Buttons are found by where they lead (their
    callback data), so the tour works in every language."""
    terminal.say("=== 📓 → 📝 → PDF ===")
    terminal.say("> /journal")
    await user.send_text("/journal")
    await _show_replies(user, terminal)
    taps = [
        "1:j:mk:none",  # a journal without a PIN
        "1:j:new",  # a new entry
        "1:j:s:date:today",
        *["1:j:s:time:skip", "1:j:s:place:skip", "1:j:s:what_happened:skip", "1:j:s:injuries:skip"],
        *["1:j:s:witnesses:skip", "1:j:s:children:no", "1:j:s:police:skip", "1:j:s:medical:skip"],
        "1:j:s:attachments:skip",
        "1:j:r:save",
        "1:j:m",  # the journal's menu
        "1:j:st",  # draft a statement: what the drafts are, where to take them
        "1:j:sc:0",  # choose entries
        "1:j:sx:",  # the entry
        "1:j:sk",  # next: the document
        "1:j:sd:",  # tap 1: the first document
        "1:j:sv:name:a",  # tap 2: leave all blank
        "1:j:sm",  # tap 3: make PDF and DOCX
    ]
    for prefix in taps:
        found = _button_with(user, prefix)
        if found is None:
            terminal.say(f"(no button {prefix} on the screen)")
            return
        message, text = found
        await asyncio.sleep(TOUR_PAUSE)
        terminal.say(f"> [{text}]")
        await user.press(text, message=message)
        await _show_replies(user, terminal, quiet=prefix.startswith(("1:j:s:", "1:j:new")))


def _button_with(user: SimUser, prefix: str) -> tuple[SimMessage, str] | None:
    """The newest button in her chat whose callback data starts with `prefix`."""
    for message in reversed(user.messages):
        if message.from_bot:
            for row in message.buttons:
                for button in row:
                    if button.callback_data and button.callback_data.startswith(prefix):
                        return message, button.text
    return None


async def _show_replies(user: SimUser, terminal: Terminal, quiet: bool = False) -> None:
    try:
        await user.wait_reply(timeout=REPLY_TIMEOUT)
    except TimeoutError:
        terminal.say("(the bot did not answer in time)")
        return
    await asyncio.sleep(SETTLE)
    if quiet:
        terminal.mark_seen(user.messages)
    else:
        terminal.show_changes(user.messages)
        terminal.show_group_changes()


def _lines_from(stream: TextIO) -> asyncio.Queue[str | None]:
    """Read input in a daemon thread, so Ctrl-C never waits for a blocked read."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in stream:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="demo-input", daemon=True).start()
    return queue


class Terminal:
    """Prints the chat as a phone would show it: new and edited bot messages, buttons numbered."""

    def __init__(self, stdout: TextIO) -> None:
        self.out = stdout
        self.styled = stdout.isatty()
        self.seen: dict[int, tuple[str | None, object]] = {}
        self.numbered_buttons: list[tuple[SimMessage, str]] = []
        self.sim: Simulator | None = None
        self.desks: list[tuple[SimGroup, SimUser]] = []  # each desk's group and its advocate
        self.group_seen: set[tuple[int, int]] = set()

    def watch(self, sim: Simulator, desks: list[tuple[SimGroup, SimUser]]) -> None:
        self.sim, self.desks = sim, desks

    def _live_topic(self) -> tuple[SimGroup, SimUser, int] | None:
        """Her case's topic now: an open one (a transferred case's old topic is closed), the last desk's first."""
        for group, advocate in reversed(self.desks):
            topics = [t for t in group.topics.values() if not t.deleted and not t.is_closed]
            if topics:
                return group, advocate, topics[-1].thread_id
        return None

    async def advocate_says(self, text: str) -> bool:
        found = self._live_topic()
        if found is None:
            return False
        group, advocate, thread_id = found
        self.say(f"┆ {group.title} > {text}")
        await advocate.send_text(text, chat=group, thread_id=thread_id)
        await asyncio.sleep(SETTLE * 3)  # a command (/transfer) changes the groups: show what it did
        self.show_group_changes()
        return True

    def has_case(self) -> bool:
        return self._live_topic() is not None

    def group_size(self) -> int:
        return sum(len(group.messages()) for group, _ in self.desks)

    async def wait_for_group(self, before: int) -> None:
        if self.sim is not None:
            with contextlib.suppress(TimeoutError):
                await self.sim.wait_until(lambda: self.group_size() > before, timeout=REPLY_TIMEOUT)
        await asyncio.sleep(SETTLE)

    def show_group_changes(self) -> None:
        for group, _ in self.desks:
            for message in group.messages():
                if (group.id, message.message_id) in self.group_seen or message.is_service:
                    continue
                self.group_seen.add((group.id, message.message_id))
                if not message.from_bot:
                    continue  # the advocate's own typing was already echoed
                where = f"{group.title} · " + (f"topic {message.thread_id}" if message.thread_id else "general")
                body = self.format(message.html or message.text or "") or f"[{message.media}]"
                for index, line in enumerate(body.splitlines() or [""]):
                    self.say(f"┆ {where}: {line}" if index == 0 else f"┆   {line}")

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def mark_seen(self, messages: list[SimMessage]) -> None:
        for message in messages:
            self.seen[message.message_id] = (message.html, message.edit_date)

    def show_changes(self, messages: list[SimMessage]) -> None:
        for message in messages:
            if not message.from_bot:
                continue
            state = (message.html, message.edit_date)
            if self.seen.get(message.message_id) == state:
                continue
            edited = message.message_id in self.seen
            self.seen[message.message_id] = state
            self.say("")
            if message.media == "document":
                self.say(f"📎 {message.raw['document'].get('file_name', 'file')}")
            self.say(("(updated) " if edited else "") + self.format(message.html or message.text or ""))
        latest = next((m for m in reversed(messages) if m.from_bot and m.buttons), None)
        self.numbered_buttons = []
        if latest is not None:
            for row in latest.buttons:
                cells = []
                for button in row:
                    self.numbered_buttons.append((latest, button.text))
                    cells.append(f"[{len(self.numbered_buttons)}] {button.text}")
                self.say("   ".join(cells))
        self.say("")

    def format(self, text_html: str) -> str:
        bold, italic, reset = ("\033[1m", "\033[3m", "\033[0m") if self.styled else ("", "", "")
        text = re.sub(
            r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", text_html
        )
        text = re.sub(r"</?(b|strong)>", lambda m: reset if m.group(0).startswith("</") else bold, text)
        text = re.sub(r"</?(i|em)>", lambda m: reset if m.group(0).startswith("</") else italic, text)
        text = re.sub(r"<[^>]+>", "", text)
        return html.unescape(text)
