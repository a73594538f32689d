"""Handling a batch of updates: different people at once, each person's updates in order, the desk alone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from telegram import Update

from bot.app import ALLOWED_UPDATES
from bot.storage.database import WritesLost
from bot.telegram.context import BotData
from bot.telegram.polling import Dispatcher, handle_batch, poll
from tests.support.telegram import callback_update, text_update


class SlowApplication:
    """Stands in for the Application: every update takes a while, and what overlaps is recorded."""

    def __init__(self, fail_on: int | None = None, delays: dict[int, float] | None = None) -> None:
        self.bot_data = BotData()  # the metrics the dispatcher counts into
        self.delays = delays or {}
        self.running: set[int] = set()
        self.overlaps: list[tuple[int, set[int]]] = []  # (update id, the updates running when it started)
        self.order: list[int] = []
        self.fail_on = fail_on

    async def process_update(self, update: Update) -> None:
        self.overlaps.append((update.update_id, set(self.running)))
        self.running.add(update.update_id)
        await asyncio.sleep(self.delays.get(update.update_id, 0.01))
        self.running.discard(update.update_id)
        self.order.append(update.update_id)
        if update.update_id == self.fail_on:
            raise RuntimeError("escaped the error handler")


def chat_of(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def test_different_people_are_served_at_once_and_each_persons_updates_in_order(bot_app):
    app, _ = bot_app
    people = (101, 202, 303)
    batch = [text_update(app, person, f"/start {n}") for n in range(3) for person in people]
    slow = SlowApplication()

    await handle_batch(slow, batch)  # type: ignore[arg-type]

    started_alongside = dict(slow.overlaps)
    assert any(started_alongside[u.update_id] for u in batch), "nobody was served at the same time as another"
    for person in people:
        mine = [u.update_id for u in batch if chat_of(u) == person]
        assert [i for i in slow.order if i in mine] == mine  # her own order
        for update_id in mine:
            assert not started_alongside[update_id] & set(mine)  # never two of hers at once


async def test_an_update_from_a_group_is_handled_alone_between_what_came_before_and_after(bot_app):
    app, _ = bot_app
    before = [text_update(app, person, "/menu") for person in (11, 12)]
    desk = text_update(app, 900, "reply to a case", chat_type="supergroup", chat_id=-100500)
    after = [callback_update(app, person, "1:s:menu") for person in (11, 12)]
    slow = SlowApplication()

    await handle_batch(slow, [*before, desk, *after])  # type: ignore[arg-type]

    started_alongside = dict(slow.overlaps)
    assert started_alongside[desk.update_id] == set()
    position = slow.order.index(desk.update_id)
    assert set(slow.order[:position]) == {u.update_id for u in before}
    assert set(slow.order[position + 1 :]) == {u.update_id for u in after}
    assert not any(desk.update_id in running for _, running in slow.overlaps)


async def test_an_error_escaping_one_update_does_not_cancel_the_rest_of_the_batch(bot_app):
    app, _ = bot_app
    batch = [text_update(app, person, "/start") for person in (1, 2, 3)]
    batch.append(text_update(app, 2, "/sos"))
    slow = SlowApplication(fail_on=batch[1].update_id)

    with pytest.raises(RuntimeError):
        await handle_batch(slow, batch)  # type: ignore[arg-type]

    assert sorted(slow.order) == sorted(u.update_id for u in batch)  # her /sos after the failure too


async def test_a_batch_from_many_people_gets_each_of_them_the_answers_one_at_a_time_would(bot_app):
    """The real Application: each person in a mixed batch sees what she would see if handled alone."""
    app, request = bot_app

    def batch(people: range) -> list[Update]:
        updates = []
        for step in ("/start", "1:s:menu", "1:s:police", "hello", "/sos"):
            for person in people:
                if step.startswith("1:"):
                    updates.append(callback_update(app, person, step, language_code="kk"))
                else:
                    updates.append(text_update(app, person, step, language_code="kk"))
        return updates

    def answers_per_chat() -> dict[int, list[str]]:
        per_chat: dict[int, list[str]] = {}
        for call in request.calls:
            if call.method in ("sendMessage", "editMessageText"):
                per_chat.setdefault(int(call.params["chat_id"]), []).append(call.params["text"])
        return per_chat

    alone, together = range(5001, 5009), range(6001, 6009)  # new people each time: same first visit
    for update in batch(alone):
        await app.process_update(update)
    one_at_a_time = answers_per_chat()
    request.calls.clear()

    await handle_batch(app, batch(together))

    side_by_side = answers_per_chat()
    assert len(one_at_a_time) == len(side_by_side) == 8
    for first, second in zip(alone, together, strict=True):
        assert len(one_at_a_time[first]) == 5  # every step answered
        assert side_by_side[second] == one_at_a_time[first]


async def test_a_slow_answer_holds_up_nobody_else_and_is_not_confirmed_until_it_is_done(bot_app):
    """A journal export taking a while: people who write meanwhile are answered at once, but Telegram is not
    told the export's update was handled until it was (a crash then would bring it back)."""
    app, _ = bot_app
    export = text_update(app, 1, "/journal")
    slow = SlowApplication(delays={export.update_id: 0.5})
    dispatcher = Dispatcher(slow)  # type: ignore[arg-type]
    assert dispatcher.start([export]) == 1
    others = [text_update(app, person, "/menu") for person in (2, 3, 4)]
    assert dispatcher.start([export, *others]) == 3  # Telegram sends the unconfirmed export again: not rerun
    await asyncio.sleep(0.2)

    assert set(slow.order) == {u.update_id for u in others}  # answered while the export still runs
    assert dispatcher.offset == export.update_id  # the export is not confirmed, nor anything after it
    await dispatcher.drain()
    assert slow.order[-1] == export.update_id
    assert dispatcher.offset == others[-1].update_id + 1
    assert dispatcher.start([export, *others]) == 0 and not dispatcher.busy


async def test_her_next_message_waits_for_her_slow_one(bot_app):
    app, _ = bot_app
    export = text_update(app, 1, "/journal")
    then = text_update(app, 1, "/menu")
    slow = SlowApplication(delays={export.update_id: 0.2})
    dispatcher = Dispatcher(slow)  # type: ignore[arg-type]
    dispatcher.start([export])
    dispatcher.start([then])
    await dispatcher.drain()
    assert slow.order == [export.update_id, then.update_id]
    assert dict(slow.overlaps)[then.update_id] == set()


class TelegramSide:
    """Stands in for the Application and its bot in the real poll loop. The first getUpdates brings the
    batch; each later one records the offset it confirms, then lets the next step of the story happen."""

    def __init__(self, batch: list[Update], stop: asyncio.Event) -> None:
        self.bot = self
        self.bot_data = BotData()
        self.batch = batch
        self.may_finish = {update.update_id: asyncio.Event() for update in batch}
        self.finished = {update.update_id: asyncio.Event() for update in batch}
        self.stop = stop
        self.steps: list[Callable[[], Awaitable[None]]] = []
        self.confirmed: list[tuple[int | None, set[int]]] = []  # (offset sent, the updates unfinished then)

    async def process_update(self, update: Update) -> None:
        await self.may_finish[update.update_id].wait()
        self.finished[update.update_id].set()

    async def finish(self, update: Update) -> None:
        self.may_finish[update.update_id].set()
        await self.finished[update.update_id].wait()

    async def get_updates(self, offset: int | None = None, **_: object) -> list[Update]:
        unfinished = {u.update_id for u in self.batch if not self.finished[u.update_id].is_set()}
        self.confirmed.append((offset, unfinished))
        if len(self.confirmed) == 1:
            return list(self.batch)
        if self.steps:
            await self.steps.pop(0)()
        else:
            self.stop.set()
        # Telegram sends again whatever was not confirmed yet.
        return [u for u in self.batch if offset is None or u.update_id >= offset]


async def test_an_older_update_still_running_is_never_confirmed_while_a_newer_one_finishes(bot_app):
    """Her journal export (older) is still running when another woman's /menu (newer) is done. Telegram must
    not be told the export was handled: after a crash it would never send it again, and she would wait for
    her PDF forever."""
    app, _ = bot_app
    export = text_update(app, 1, "/journal")
    menu = text_update(app, 2, "/menu")
    stop = asyncio.Event()
    telegram = TelegramSide([export, menu], stop)
    telegram.steps = [lambda: telegram.finish(menu), lambda: telegram.finish(export)]

    await asyncio.wait_for(poll(telegram, stop, ALLOWED_UPDATES), timeout=30)  # type: ignore[arg-type]

    fetched, while_both_ran, after_the_newer, after_both, *_ = telegram.confirmed
    assert fetched == (None, {export.update_id, menu.update_id}) and export.update_id < menu.update_id
    assert while_both_ran == (export.update_id, {export.update_id, menu.update_id})
    assert after_the_newer == (export.update_id, {export.update_id})  # the newer is done, the older is not
    assert after_both == (menu.update_id + 1, set())  # both done: both confirmed, at last
    assert telegram.confirmed[-1] == (menu.update_id + 1, set())  # and so on a clean stop


async def test_updates_begun_one_at_a_time_as_the_webhook_does_keep_her_order_and_each_is_reported_handled(bot_app):
    """The webhook begins each update as it is stored, and ids need not come in order across chats: none is
    skipped, hers still run one after the other, and each is reported handled (to leave the inbox) after
    its handling."""
    app, _ = bot_app
    first, second = text_update(app, 7, "/journal"), text_update(app, 7, "/sos")
    other = text_update(app, 8, "/menu")  # the highest id, begun first
    slow = SlowApplication(delays={first.update_id: 0.05})
    handled: list[int] = []

    async def on_handled(update_id: int) -> None:
        assert update_id in slow.order  # only once its handling is over
        handled.append(update_id)

    dispatcher = Dispatcher(slow, on_handled=on_handled)  # type: ignore[arg-type]
    for update in (other, first, second):
        dispatcher.begin(update)
    await dispatcher.drain()
    assert sorted(handled) == sorted(u.update_id for u in (first, second, other))
    assert slow.order.index(first.update_id) < slow.order.index(second.update_id)
    assert not dict(slow.overlaps)[second.update_id] & {first.update_id}
    assert 'bot_updates_total{kind="message"} 3.0' in slow.bot_data.metrics.render().decode()


class LosingDatabase:
    """Stands in for the database's group commit: the group holding one update's writes is lost."""

    def __init__(self, lost_update: int, slow: SlowApplication) -> None:
        self.epoch = 0
        self._lost_update, self._slow = lost_update, slow

    async def durable(self, since: int | None = None) -> None:
        if self._slow.order and self._slow.order[-1] == self._lost_update:
            raise WritesLost("rolled back with a failed statement")


async def test_an_update_whose_writes_were_lost_is_never_confirmed_not_even_at_the_stop(bot_app):
    """A full disk rolled back the group her update wrote in: the offset must stay at it (the stop's last
    getUpdates included), so Telegram sends it again after the restart; the others are confirmed."""
    app, _ = bot_app
    before, hers, after = (text_update(app, person, "/menu") for person in (1, 2, 3))
    slow = SlowApplication(delays={before.update_id: 0.01, hers.update_id: 0.05, after.update_id: 0.1})
    dispatcher = Dispatcher(slow, durable=LosingDatabase(hers.update_id, slow))  # type: ignore[arg-type]
    dispatcher.start([before, hers, after])
    await dispatcher.drain()

    assert [type(error) for error in dispatcher.failures] == [WritesLost]
    assert dispatcher.offset == hers.update_id
