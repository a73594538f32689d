"""End to end: the real bot process SIGKILLed in the middle of a guidance flow and of a journal entry, then
started again on the same data folder (issue 7, item 5; the relay's case is in test_handoff.py).

The bot confirms an update (the next getUpdates offset) only after handling it, so an update it was handling
when it died comes again after the restart: at-least-once. What a person may notice is therefore bounded:
every action is answered; an action is answered twice only if its update had reached the bot and was still
unconfirmed when it died; her language, her place, her ticks and her journal entry are kept; and SQLite
finds every database file sound after every kill.

Kill moments come from random.Random(seed) with fixed seeds, named in every assertion message. The timing is
real, so a seed chooses where to kill (which action, how long after it), not the instruction the bot is at.
The other tests pin one window each: a tick stored and answered but its screen not yet shown; a Save answered
but its transaction not yet committed; a Save committed but not yet confirmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import DATABASE_FILE, SECRET_KEY_FILE
from bot.journal.model import ChainReport, Entry
from bot.journal.service import JournalService
from bot.privacy import Pseudonymizer
from bot.simulator import Fault, SimCallbackQuery, SimMessage, Simulator, SimUser
from bot.storage.database import Database
from tests.support.process import START_TIMEOUT, StartBot, stop

SETTLE = 0.2  # seconds for the simulator to read what the bot wrote just before it died
ANSWER_TIMEOUT = 10.0
KILL_WINDOW = 0.030  # "after a random delay of 0–30 ms"
SQLITE_HEADER = b"SQLite format 3\x00"
# The bot's apology for an update that failed. A kill is no reason for it: nothing she did went wrong, and
# the apology comes with the main menu in place of the screen she was on.
APOLOGIES = (
    "Кешіріңіз, бізде бірдеңе дұрыс болмады",
    "Извините, у нас что-то пошло не так",
    "Sorry, something went wrong",
)


# ------------------------------------------------------------------------------------ actions and answers


@dataclass(frozen=True)
class Do:
    """One step of a script: a text she sends or a button she taps, and a text only its answer shows (in the
    tapped message turned into the next screen, or in a new message). `on_button`: the answer shows it on a
    button (a ticked checklist item); `or_shows`: another answer that is right too."""

    shows: str
    text: str | None = None
    tap: str | None = None
    on_button: bool = False
    or_shows: str | None = None


@dataclass(frozen=True)
class Action:
    """A step she took: its update, and where to look for the answer."""

    do: Do
    user: SimUser
    update_id: int
    after_call: int  # len(sim.calls) when she acted: her answer comes later
    query: SimCallbackQuery | None = None

    @property
    def label(self) -> str:
        return f"{self.user.first_name}: {self.do.text or '«' + str(self.do.tap) + '»'} (update {self.update_id})"


async def act(sim: Simulator, user: SimUser, do: Do) -> Action:
    update_id, after_call = sim.world.next_update_id, len(sim.calls)  # the id her action's update will get
    if do.text is not None:
        await user.send_text(do.text)
        return Action(do, user, update_id, after_call)
    assert do.tap is not None
    return Action(do, user, update_id, after_call, await user.press(do.tap))


def sent_to(sim: Simulator, user: SimUser, after_call: int = 0) -> list[str]:
    """The texts of the new messages the bot sent her after that call (edits not included), as sent."""
    return [
        str(call.raw.get("text", ""))
        for call in sim.calls[after_call:]
        if call.method == "sendMessage" and call.ok and str(call.raw.get("chat_id")) == str(user.id)
    ]


def is_apology(text: str) -> bool:
    return any(apology in text for apology in APOLOGIES)


def shows(do: Do, text: str) -> bool:
    return do.shows in text or (do.or_shows is not None and do.or_shows in text)


def message(user: SimUser, message_id: int) -> SimMessage | None:
    return next((m for m in user.messages if m.message_id == message_id), None)


def answered(sim: Simulator, action: Action) -> bool:
    new = [text for text in sent_to(sim, action.user, action.after_call) if not is_apology(text)]
    if action.query is None:
        return any(shows(action.do, text) for text in new)
    if not action.query.answered:  # the spinner on her button stopped
        return False
    tapped = message(action.user, action.query.message_id)
    if tapped is not None and action.do.on_button:
        return action.do.shows in tapped.button_texts()
    return (tapped is not None and shows(action.do, tapped.text or "")) or any(shows(action.do, t) for t in new)


def handlings(sim: Simulator, action: Action) -> int:
    """How many times the bot took the action up: a tap's answerCallbackQuery calls (a repeat's too, even if
    Telegram refused it), or the new messages showing a text's answer."""
    if action.query is not None:
        query_id = action.query.id
        return sum(1 for call in sim.calls_to("answerCallbackQuery") if call.raw.get("callback_query_id") == query_id)
    return sum(
        1 for text in sent_to(sim, action.user, action.after_call) if shows(action.do, text) and not is_apology(text)
    )


async def held_up(sim: Simulator, method: str) -> None:
    """Until a request to `method` is being held up by a fault. Polled: the simulator announces a request only
    when it ends."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ANSWER_TIMEOUT
    while not any(call.fault is not None and call.status is None for call in sim.calls_to(method)):
        assert loop.time() < deadline, f"no {method} was held up"
        await asyncio.sleep(0.005)


def ticked(user: SimUser, message_id: int) -> set[str]:
    shown = message(user, message_id)
    assert shown is not None
    return {text.removeprefix("☑ ") for text in shown.button_texts() if text.startswith("☑ ")}


# ------------------------------------------------------------------------------------ the bot being killed


def delivered(sim: Simulator) -> set[int]:
    """Every update the simulator has handed to a bot in a getUpdates answer."""
    return {
        update["update_id"]
        for call in sim.calls_to("getUpdates")
        if call.ok and call.response is not None
        for update in call.response["result"]
    }


def integrity(data: Path) -> dict[str, str]:
    """PRAGMA integrity_check of every SQLite database in the data folder (the bot's and the journal's, one
    file or several), as the next start will find it. A copy of each file and its -wal is checked: opening
    the original would recover and checkpoint the WAL, and change what the restarted bot finds."""
    verdicts: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for number, path in enumerate(sorted(p for p in data.rglob("*") if p.is_file() and _is_sqlite(p))):
            copy = Path(scratch) / f"{number}.sqlite3"
            shutil.copyfile(path, copy)
            wal = path.with_name(path.name + "-wal")
            if wal.exists():
                shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
            with contextlib.closing(sqlite3.connect(copy)) as db:
                verdicts[str(path.relative_to(data))] = "; ".join(
                    row[0] for row in db.execute("PRAGMA integrity_check")
                )
    return verdicts


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER


class CrashingBot:
    """`python -m bot run` on one data folder, SIGKILLed and started again.

    Each kill records the updates that had reached the bot and were still unconfirmed (the only ones that may
    be answered twice), and checks every database file.
    """

    def __init__(self, sim: Simulator, data: Path, log: Path, start_bot: StartBot, context: str) -> None:
        self.sim, self.data, self.log, self.context = sim, data, log, context
        self._start_bot = start_bot
        self.process: asyncio.subprocess.Process | None = None
        self.may_repeat: set[int] = set()
        self.kills: list[str] = []

    async def start(self) -> None:
        """Returns once the bot polls: a kill is meant to hit a running bot, not one still starting."""
        started = self._starts()
        self.process = await self._start_bot()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while self._starts() == started:
            assert self.process.returncode is None, f"{self.why()}: the bot exited with {self.process.returncode}"
            assert loop.time() < deadline, f"{self.why()}: the bot did not start"
            await asyncio.sleep(0.02)

    def _starts(self) -> int:
        return self.log.read_text(encoding="utf-8").count("bot started") if self.log.exists() else 0

    async def kill(self, moment: str) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()
        await asyncio.sleep(SETTLE)
        unconfirmed = {update["update_id"] for update in self.sim.pending_updates}
        self.may_repeat |= unconfirmed & delivered(self.sim)
        self.kills.append(f"{moment} (unconfirmed then: {sorted(unconfirmed & delivered(self.sim))})")
        verdicts = integrity(self.data)
        assert verdicts and set(verdicts.values()) == {"ok"}, f"{self.why()}: integrity_check {verdicts}"

    async def stop(self) -> None:
        assert self.process is not None
        assert await stop(self.process) == 0, self.why()
        verdicts = integrity(self.data)
        assert verdicts and set(verdicts.values()) == {"ok"}, f"{self.why()}: integrity_check {verdicts}"

    def why(self) -> str:
        return f"{self.context}; kills: {self.kills}; bot log: {self.log}"

    async def settle(self, actions: list[Action], within: float) -> None:
        """Until every action is answered and every update confirmed, so that a repeat has been handled too."""
        sim = self.sim
        try:
            await sim.wait_until(lambda: all(answered(sim, a) for a in actions) and not sim.pending_updates, within)
        except TimeoutError:
            missing = [a.label for a in actions if not answered(sim, a)]
            raise AssertionError(f"{self.why()}: not answered {missing}, {len(sim.pending_updates)} pending") from None

    def assert_answered_once(self, actions: list[Action]) -> None:
        for action in actions:
            times = handlings(self.sim, action)
            assert times >= 1, f"{self.why()}: {action.label} was never answered"
            assert times == 1 or action.update_id in self.may_repeat, (
                f"{self.why()}: {action.label} was answered {times} times, but no kill found its update unconfirmed"
            )

    def assert_no_apology(self, *users: SimUser) -> None:
        for user in users:
            apologies = [text for text in sent_to(self.sim, user) if is_apology(text)]
            assert not apologies, f"{self.why()}: {user.first_name} was told something went wrong: {apologies}"


async def walk(bot: CrashingBot, she: SimUser, steps: list[Do], first_within: float = ANSWER_TIMEOUT) -> list[Action]:
    """One step after the other, each answered before the next."""
    done: list[Action] = []
    for do in steps:
        done.append(await act(bot.sim, she, do))
        await bot.settle(done[-1:], first_within if len(done) == 1 else ANSWER_TIMEOUT)
    return done


async def kill_after(bot: CrashingBot, action: Action, moment: str, rng: random.Random) -> None:
    """SIGKILL at once or within 30 ms of the action, start again, and wait for its answer."""
    if moment == "within 30 ms":
        await asyncio.sleep(rng.uniform(0, KILL_WINDOW))
    await bot.kill(f"{moment} after {action.label}")
    await bot.start()
    await bot.settle([action], START_TIMEOUT)


# ------------------------------------------------------------------------------------ the guidance flow

# Aruzhan writes in Kazakh and switches to Russian; Dana writes in Russian and switches to Kazakh. Entry i of
# both scripts is one round: they act at about the same time, independently of each other.
ARUZHAN: list[Do | list[Do]] = [
    Do(text="/start", shows="Қазір сіз қауіпсізсіз бе?"),
    Do(tap="Иә, қазір қауіпсізбін", shows="Басты мәзір"),
    Do(tap="Қауіпсіздік жоспары", shows="Екі тізім бар"),
    Do(tap="Кетуді шешсем", shows="Кетуге шешім қабылдасаңыз"),
    [  # two ticks in a row on the same checklist, the second before the first is answered
        Do(tap="☐ Құжаттар", shows="☑ Құжаттар", on_button=True),
        Do(tap="☐ Телефон және зарядтағыш", shows="☑ Телефон және зарядтағыш", on_button=True),
    ],
    Do(text="/sos", shows="дәл қазір қоңырау шалыңыз"),
    Do(tap="☰ Мәзір", shows="Басты мәзір"),
    Do(tap="Тіл / Язык / Language", shows="Тілді таңдаңыз"),
    Do(tap="Русский", shows="Главное меню"),
    Do(tap="Полиция: чего ожидать", shows="Полиция: чего ожидать"),
    Do(text="/menu", shows="Главное меню"),
]
DANA: list[Do | list[Do]] = [
    Do(text="/start", shows="Вы сейчас в безопасности?"),
    Do(tap="Да, сейчас я в безопасности", shows="Главное меню"),
    Do(tap="План безопасности", shows="Есть два списка"),
    Do(tap="Если я пока остаюсь", shows="Если вы пока остаётесь"),
    Do(tap="☐ Деньги и банковская карта", shows="☑ Деньги и банковская карта", on_button=True),
    Do(text="/sos", shows="Если вам угрожает опасность, звоните сейчас."),
    Do(tap="☰ Меню", shows="Главное меню"),
    Do(tap="Язык / Тіл / Language", shows="Выберите язык"),
    Do(tap="Қазақша", shows="Басты мәзір"),
    Do(tap="Полиция: не күтуге болады", shows="Полиция: не күтуге болады"),
    Do(text="/menu", shows="Басты мәзір"),
]
# After the last kill, a tap on the screen each was left on, then the checklist she ticked, shown anew.
ARUZHAN_AFTER = [
    Do(tap="План безопасности", shows="Есть два списка"),
    Do(tap="Если я решу уйти", shows="Если вы решите уйти"),
]
DANA_AFTER = [
    Do(tap="Қауіпсіздік жоспары", shows="Екі тізім бар"),
    Do(tap="Әзірге қалсам", shows="Әзірге үйде қалсаңыз"),
]
KILLS_PER_FLOW = 4  # and one more when both are idle, before checking what the bot remembers
MOMENTS = ("at once", "within 30 ms", "between the actions")


def _steps(step: Do | list[Do]) -> list[Do]:
    return step if isinstance(step, list) else [step]


@pytest.mark.parametrize("seed", [17, 103, 108])
async def test_a_guidance_flow_killed_at_random_moments_answers_every_action_once_and_keeps_her_place(
    sim, start_bot, data_dir, bot_log, seed
):
    rng = random.Random(seed)
    rounds = list(zip(ARUZHAN, DANA, strict=True))
    kill_at = {index: rng.choice(MOMENTS) for index in rng.sample(range(len(rounds)), KILLS_PER_FLOW)}
    aruzhan = sim.add_user(first_name="Aruzhan", language_code="kk")
    dana = sim.add_user(first_name="Dana", language_code="ru")
    bot = CrashingBot(sim, data_dir, bot_log, start_bot, f"seed {seed}")
    await bot.start()
    actions: list[Action] = []
    for index, (hers, others) in enumerate(rounds):
        steps = [(aruzhan, do) for do in _steps(hers)] + [(dana, do) for do in _steps(others)]
        moment = kill_at.get(index)
        if moment == "between the actions":
            done = [await act(sim, *steps[0])]
            await asyncio.sleep(rng.uniform(0, KILL_WINDOW))
            await bot.kill(f"round {index}, after {done[0].label}")
            done += [await act(sim, *step) for step in steps[1:]]  # sent while the bot is down
            await bot.start()
        else:
            done = [await act(sim, *step) for step in steps]
            if moment is not None:
                if moment == "within 30 ms":
                    await asyncio.sleep(rng.uniform(0, KILL_WINDOW))
                await bot.kill(f"round {index} {moment}, after {[action.label for action in done]}")
                await bot.start()
        await bot.settle(done, START_TIMEOUT if moment else ANSWER_TIMEOUT)
        actions += done

    # Both idle on their last screen, the bot dies once more. Their next taps on that screen still work,
    # in the language each chose, and the checklists (shown anew from the database) keep their ticks.
    await bot.kill("both idle after the last round")
    await bot.start()
    for hers, others in zip(ARUZHAN_AFTER, DANA_AFTER, strict=True):
        her_tap, dana_tap = await act(sim, aruzhan, hers), await act(sim, dana, others)
        await bot.settle([her_tap, dana_tap], START_TIMEOUT)
        actions += [her_tap, dana_tap]
    assert her_tap.query is not None and dana_tap.query is not None
    assert ticked(aruzhan, her_tap.query.message_id) == {"Документы", "Телефон и зарядка"}, bot.why()
    assert ticked(dana, dana_tap.query.message_id) == {"Ақша және банк картасы"}, bot.why()
    await bot.stop()

    bot.assert_answered_once(actions)
    bot.assert_no_apology(aruzhan, dana)


TO_HER_CHECKLIST = [
    Do(text="/menu", shows="Главное меню"),
    Do(tap="План безопасности", shows="Есть два списка"),
    Do(tap="Если я решу уйти", shows="Если вы решите уйти"),
]


async def test_a_tick_whose_screen_a_kill_cut_off_is_still_ticked_after_the_restart(sim, start_bot, data_dir, bot_log):
    she = sim.add_user(first_name="Dana", language_code="ru")
    bot = CrashingBot(sim, data_dir, bot_log, start_bot, "the tick's window")
    await bot.start()
    await walk(bot, she, TO_HER_CHECKLIST, START_TIMEOUT)
    # The tick is stored and her tap answered; the checklist's new look is on its way when the bot dies,
    # before it confirmed the update, which therefore comes again after the restart.
    sim.faults.add(Fault(method="editMessageText", delay=2))
    tick = await act(sim, she, Do(tap="☐ Документы", shows="☑ Документы", on_button=True))
    await held_up(sim, "editMessageText")
    await bot.kill("the tick stored and answered, its screen not shown yet")
    assert tick.update_id in bot.may_repeat, bot.why()
    await bot.start()
    await bot.settle([tick], START_TIMEOUT)
    *_, checklist = await walk(bot, she, TO_HER_CHECKLIST)  # shown anew, from the database
    assert checklist.query is not None
    assert ticked(she, checklist.query.message_id) == {"Документы"}, bot.why()
    await bot.stop()
    bot.assert_answered_once([tick])
    bot.assert_no_apology(she)


# ------------------------------------------------------------------------------------ the journal entry

PLACE = "үйде, ас үйде"
WHAT_HAPPENED = "Ол айқайлап, телефонымды алып кетті"
# Up to the witnesses: the typed answers need the flow the bot keeps in memory, so no kill comes before them.
ENTRY_START = [
    Do(text="/journal", shows="PIN-кодты ұмытсаңыз"),
    Do(tap="PIN-кодсыз", shows="0 жазба."),
    Do(tap="✏️ Жаңа жазба", shows="Бұл қашан болды?"),
    Do(tap="Бүгін", shows="Сағат нешеде?"),
    Do(tap="Өткізу", shows="Бұл қайда болды?"),
    Do(text=PLACE, shows="Не болды?"),
    Do(text=WHAT_HAPPENED, shows="Жарақат немесе ауырсыну бар ма?"),
    Do(tap="Өткізу", shows="Кім көрді немесе естіді?"),
]
LAST_STEPS = [
    Do(tap="Өткізу", shows="Қасыңызда балалар болды ма?"),
    Do(tap="Жоқ", shows="Полиция шақырылды ма?"),
    Do(tap="Өткізу", shows="Дәрігерге немесе"),
    Do(tap="Өткізу", shows="Фото, құжат"),
    Do(tap="Өткізу", shows="Жазбаны тексеріңіз."),
]
# A Save repeated after the entry was stored finds no draft: its answer is the journal, with the one entry.
SAVE = Do(tap="Сақтау", shows="№1 жазба сақталды.", or_shows="1 жазба.")
SAVE_MOMENTS = ("just before the tap", "at once", "within 30 ms")
DRAFT_WAITING = "Сізде аяқталмаған жазба бар."


async def journal_on_disk(data: Path, user: SimUser) -> tuple[list[Entry], bool, ChainReport]:
    """Her entries, whether a draft is left, and the hash chain's verdict, read with the bot's own key."""
    secret = (data / SECRET_KEY_FILE).read_text(encoding="ascii").strip().encode("ascii")
    database = await Database.open(data / DATABASE_FILE)
    try:
        journal = JournalService(database, data, secret)
        key = Pseudonymizer(secret).user_key(user.id)
        await journal.unlock(key)
        return await journal.entries(key), (await journal.status(key)).has_draft, await journal.verify(key)
    finally:
        await database.close()


async def assert_one_whole_entry(bot: CrashingBot, she: SimUser) -> None:
    entries, draft_left, chain = await journal_on_disk(bot.data, she)
    assert len(entries) == 1, f"{bot.why()}: {len(entries)} entries"
    fields = entries[0].fields
    assert fields is not None and (fields.place, fields.what_happened) == (PLACE, WHAT_HAPPENED), bot.why()
    assert not draft_left and chain.ok, f"{bot.why()}: draft left {draft_left}, chain {chain}"


@pytest.mark.parametrize("seed", [0, 3, 5, 204])
async def test_a_journal_entry_killed_around_its_save_is_saved_exactly_once_and_whole(
    sim, start_bot, data_dir, bot_log, seed
):
    rng = random.Random(seed)
    first_kill = rng.randrange(len(LAST_STEPS))
    first_moment, save_moment = rng.choice(("at once", "within 30 ms")), rng.choice(SAVE_MOMENTS)
    she = sim.add_user(first_name="Aruzhan", language_code="kk")
    bot = CrashingBot(sim, data_dir, bot_log, start_bot, f"seed {seed}")
    await bot.start()
    actions = await walk(bot, she, ENTRY_START, START_TIMEOUT)
    for index, do in enumerate(LAST_STEPS):
        if index != first_kill:
            actions += await walk(bot, she, [do])
            continue
        actions.append(await act(sim, she, do))
        await kill_after(bot, actions[-1], first_moment, rng)

    if save_moment == "just before the tap":
        await bot.kill("the review shown, Save not tapped yet")
        await bot.start()
        actions += await walk(bot, she, [SAVE], START_TIMEOUT)
    else:
        actions.append(await act(sim, she, SAVE))
        await kill_after(bot, actions[-1], save_moment, rng)

    # Her journal, opened after the restart: one entry, no unfinished draft.
    actions += await walk(bot, she, [Do(text="/journal", shows="1 жазба.")])
    opened = sent_to(sim, she, actions[-1].after_call)
    assert opened and DRAFT_WAITING not in opened[-1], f"{bot.why()}: {opened}"
    await bot.stop()
    await assert_one_whole_entry(bot, she)
    bot.assert_answered_once(actions)
    bot.assert_no_apology(she)


async def test_a_save_held_up_by_the_database_when_the_bot_dies_is_carried_out_after_the_restart(
    sim, start_bot, data_dir, bot_log
):
    she = sim.add_user(first_name="Aruzhan", language_code="kk")
    bot = CrashingBot(sim, data_dir, bot_log, start_bot, "the save's window before its commit")
    await bot.start()
    await walk(bot, she, ENTRY_START + LAST_STEPS, START_TIMEOUT)
    # Another writer holds the database: her tap is answered, the entry's transaction waits, the bot dies.
    with contextlib.closing(sqlite3.connect(bot.data / DATABASE_FILE, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        save = await act(sim, she, SAVE)
        assert save.query is not None
        await save.query.wait_answer()
        await bot.kill("Save answered, its transaction waiting for the database")
        other.execute("ROLLBACK")
    assert save.update_id in bot.may_repeat, bot.why()
    await bot.start()
    await bot.settle([save], START_TIMEOUT)
    await bot.stop()
    await assert_one_whole_entry(bot, she)
    bot.assert_answered_once([save])
    bot.assert_no_apology(she)


async def test_a_save_stored_just_before_the_bot_died_is_not_stored_twice(sim, start_bot, data_dir, bot_log):
    she = sim.add_user(first_name="Aruzhan", language_code="kk")
    bot = CrashingBot(sim, data_dir, bot_log, start_bot, "the save's window after its commit")
    await bot.start()
    await walk(bot, she, ENTRY_START + LAST_STEPS, START_TIMEOUT)
    # The entry is stored; "saved" is on its way when the bot dies, before it confirmed her tap.
    sim.faults.add(Fault(method="sendMessage", delay=2))
    save = await act(sim, she, SAVE)
    await held_up(sim, "sendMessage")
    await bot.kill("the entry stored, its confirmation on the way")
    assert save.update_id in bot.may_repeat, bot.why()
    await bot.start()
    await bot.settle([save], START_TIMEOUT)
    await bot.stop()
    await assert_one_whole_entry(bot, she)
    bot.assert_answered_once([save])
    bot.assert_no_apology(she)
