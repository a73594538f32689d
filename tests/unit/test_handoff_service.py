"""The handoff's plain services: working hours, triage codes, pings, retention, erasing."""

from __future__ import annotations

import datetime as dt

from bot.handoff.desks import DeskBook, DeskConfig
from bot.handoff.hours import WorkingHours
from bot.handoff.repository import ErasedTopic
from bot.handoff.service import Triage
from bot.timezone import ALMATY

HOURS = WorkingHours.parse("09:00-18:00", "mon-fri")


def almaty(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ALMATY)


def test_working_hours_are_kazakhstan_time():
    friday_morning = almaty(2026, 11, 27, 9, 30)
    assert HOURS.is_open(friday_morning)
    assert HOURS.is_open(friday_morning.astimezone(dt.UTC))  # the same moment, told in UTC
    assert not HOURS.is_open(almaty(2026, 11, 27, 18, 0))
    assert not HOURS.is_open(almaty(2026, 11, 28, 12, 0))  # Saturday


def test_the_next_shift_after_friday_evening_is_monday_morning():
    assert HOURS.next_start(almaty(2026, 11, 27, 19, 0)) == almaty(2026, 11, 30, 9, 0)
    assert HOURS.next_start(almaty(2026, 11, 30, 7, 0)) == almaty(2026, 11, 30, 9, 0)


def test_triage_codes_round_trip_and_say_when_it_is_urgent():
    triage = Triage("n", "l", "-")
    assert Triage.parse(triage.encode()) == triage
    assert triage.urgent and not Triage("y").urgent and not Triage().urgent


async def test_one_open_case_per_person_and_writing_again_reopens(services):
    handoff = services.handoff
    first = await handoff.open_case(42, "kk", Triage())
    assert (await handoff.open_case(42, "kk", Triage())).id == first.id
    await handoff.close_by_survivor(42)
    case = await handoff.survivor_wrote(42, message_id=7, media_group_id=None, reply_to=None)
    assert case is not None and case.is_open and case.id == first.id
    assert [action for _, action in await handoff.audit.actions(first.code)] == ["open", "close", "reopen"]
    assert await handoff.survivor_wrote(43, message_id=8, media_group_id=None, reply_to=None) is None


async def test_an_unclaimed_case_is_pinged_once(services):
    handoff = services.handoff
    now = 1_800_000_000
    handoff.clock = lambda: now
    case = await handoff.open_case(42, "ru", Triage())
    await handoff.cases.update(case.id, thread_id=5)
    handoff.clock = lambda: now + 14 * 60
    assert await handoff.unclaimed(15) == []
    handoff.clock = lambda: now + 16 * 60
    assert [c.code for c in await handoff.unclaimed(15)] == [case.code]
    assert await handoff.unclaimed(15) == []  # once
    claimed = await handoff.claim(await handoff.cases.get(case.id), 777, "Saule")
    assert claimed.claimed_name == "Saule"


async def test_closed_cases_are_purged_after_the_retention_time(services):
    handoff = services.handoff
    now = 1_800_000_000
    handoff.clock = lambda: now
    case = await handoff.open_case(42, "ru", Triage())
    await handoff.survivor_wrote(42, message_id=7, media_group_id=None, reply_to=None)
    await handoff.close(case, 777)
    handoff.clock = lambda: now + 29 * 86400
    assert await handoff.purge(30) == 0
    handoff.clock = lambda: now + 31 * 86400
    assert await handoff.purge(30) == 1
    assert await handoff.cases.get(case.id) is None
    assert await handoff.outbox.pending_count() == 0  # its relay rows went with it
    assert await handoff.audit.actions(case.code)  # the audit log stays


async def test_the_audit_log_is_kept_for_its_own_retention_time_then_goes(services):
    # Issue 13, item 10: who claimed or closed which case is kept for accountability, not for ever.
    handoff = services.handoff
    now = 1_800_000_000
    handoff.clock = lambda: now
    old = await handoff.open_case(42, "ru", Triage())
    handoff.clock = lambda: now + 300 * 86400
    recent = await handoff.open_case(43, "ru", Triage())
    handoff.clock = lambda: now + 366 * 86400
    await handoff.purge(30, audit_retention_days=365)
    assert await handoff.audit.actions(old.code) == []
    assert [action for _, action in await handoff.audit.actions(recent.code)] == ["open"]


async def test_erasing_deletes_her_cases_at_once_and_keeps_no_link_to_her(services):
    handoff = services.handoff
    case = await handoff.open_case(42, "kk", Triage())
    assert handoff.chat_id(case) == 42
    await handoff.survivor_wrote(42, 100, None, None)
    erased = await handoff.erase(42)
    assert [c.code for c in erased] == [case.code]
    assert await handoff.case_of(42) is None and await handoff.case(case.id) is None
    assert await handoff.outbox.pending_count() == 0
    assert await handoff.audit.actions(case.code) == [(None, "erase")]
    assert await handoff.erased_topics.waiting() == []  # it never had a topic: nothing to tell the group
    assert await handoff.erase(42) == []  # done twice (an update handled again): nothing more, one line still
    assert await handoff.audit.actions(case.code) == [(None, "erase")]


def two_desks() -> DeskBook:
    hours = WorkingHours.parse("00:00-24:00", "mon-sun")
    return DeskBook(
        (
            DeskConfig(
                "almaty", "Almaty crisis centre", -1001, frozenset({"KZ-75"}), ("kk",), hours, "", frozenset({7})
            ),
            DeskConfig("national", "National line", -1002, frozenset({"*"}), ("kk",), hours, "", frozenset({8})),
        )
    )


async def test_a_transfer_moves_the_case_and_erasure_reaches_both_its_topics(services):
    handoff = services.handoff
    services.desks.book = book = two_desks()
    case = await handoff.open_case(42, "kk", Triage(), "almaty", "KZ-75")
    await handoff.survivor_wrote(42, message_id=100, media_group_id=None, reply_to=None)  # waits for the group
    await handoff.cases.update(case.id, thread_id=5, claimed_by=7, claimed_name="Saule")
    moved = await handoff.transfer(await handoff.cases.get(case.id), book.get("national"), coordinator_id=7)
    assert (moved.desk_id, moved.thread_id, moved.claimed_by) == ("national", None, None)
    # The copy of the conversation comes first in the new topic, then what she wrote and still waits.
    due = await handoff.outbox.due(2**40, ["national"])
    assert [(item.notice, item.source_message) for item in due] == [("transfer_history:-1001", None), (None, 100)]
    assert await handoff.audit.lines(case.code) == [(None, "open", "almaty"), (7, "transfer", "almaty")]
    figures = {f.desk_id: f for f in await handoff.events.figures("2000-01-01")}
    assert figures["almaty"].transfers_out == 1 and figures["national"].transfers_in == 1

    await handoff.cases.update(case.id, thread_id=9)
    await handoff.erase(42)
    assert sorted(await handoff.erased_topics.waiting(), key=lambda t: t.chat_id) == [
        ErasedTopic(-1002, 9, case.code),
        ErasedTopic(-1001, 5, case.code),
    ]
