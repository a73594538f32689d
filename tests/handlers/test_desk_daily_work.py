"""A desk's daily work, through PTB with a recording request: /cases and /desk in the group's general topic,
the shift summary when the desk's hours begin, and the figures shown with small numbers hidden."""

from __future__ import annotations

import datetime as dt

from bot.handoff.desks import DeskBook, DeskConfig
from bot.handoff.figures import count, shown
from bot.handoff.hours import WorkingHours
from bot.handoff.repository import DeskFigures
from bot.handoff.service import Triage
from bot.timezone import ALMATY
from tests.support.desk import GROUP, use_desks
from tests.support.telegram import text_update

SAULE, ERLAN, COORDINATOR = 111111111, 222222222, 333333333
SHE, HIM = 444555666, 444555667


def almaty_desk() -> DeskBook:
    desk = DeskConfig(
        id="almaty",
        name="Almaty crisis centre",
        chat_id=GROUP,
        regions=frozenset({"KZ-75"}),
        languages=("ru", "kk"),
        hours=WorkingHours.parse("09:00-18:00", "mon-sun"),
        hours_text="09:00-18:00 mon-sun",
        advocates=frozenset({SAULE, COORDINATOR}),
        coordinators=frozenset({COORDINATOR}),
        language="ru",
    )
    return DeskBook((desk,))


def at(day: int, hour: int, minute: int = 0) -> float:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=ALMATY).timestamp()


def group_texts(request) -> list[str]:
    return [call.params["text"] for call in request.calls if call.method == "sendMessage"]


async def test_cases_lists_the_desk_s_open_cases_for_its_advocates_only(bot_app, services):
    app, request = bot_app
    use_desks(app.bot_data.desks, almaty_desk())
    handoff = services.handoff
    calm = await handoff.open_case(SHE, "kk", Triage(safe="y"), "almaty")
    urgent = await handoff.open_case(HIM, "ru", Triage(safe="n"), "almaty")
    await handoff.claim(calm, SAULE, "Saule")
    await app.process_update(text_update(app, SAULE, "/cases", chat_type="supergroup", chat_id=GROUP))
    text = request.last("sendMessage").params["text"]
    lines = text.splitlines()
    assert lines[0] == "Открытые обращения"
    assert lines[2].startswith(f"❗#{urgent.code} · ru") and lines[2].endswith("никто")  # the most urgent first
    assert lines[3].startswith(f"#{calm.code} · kk") and lines[3].endswith("Saule")
    await app.process_update(text_update(app, ERLAN, "/cases", chat_type="supergroup", chat_id=GROUP))
    assert request.last("sendMessage").params["text"] == "Это могут делать только консультанты из списка этой группы."


async def test_desk_shows_a_coordinator_the_settings_and_figures_with_small_numbers_hidden(bot_app, services):
    app, request = bot_app
    use_desks(app.bot_data.desks, almaty_desk())
    for person in range(3):
        await services.handoff.open_case(SHE + person, "kk", Triage(), "almaty")
    await app.process_update(text_update(app, COORDINATOR, "/desk", chat_type="supergroup", chat_id=GROUP))
    text = request.last("sendMessage").params["text"]
    assert text.startswith("Группа almaty · Almaty crisis centre\nРегионы: Алматы\nЯзыки: ru, kk\n")
    assert "Консультантов: 2 · координаторов: 1" in text
    assert "открыто <5, закрыто 0" in text and "Медиана до первого ответа, мин.: —." in text
    assert str(SAULE) not in text and str(COORDINATOR) not in text  # the desk's people are counted, not named
    await app.process_update(text_update(app, SAULE, "/desk", chat_type="supergroup", chat_id=GROUP))
    assert request.last("sendMessage").params["text"] == "Это могут только координаторы этой группы."


async def test_the_shift_summary_is_posted_once_when_the_desk_s_hours_begin(bot_app, services):
    app, request = bot_app
    desks = app.bot_data.desks
    use_desks(desks, almaty_desk())
    handoff = services.handoff
    clock = [at(1, 8, 0)]
    handoff.clock = lambda: clock[0]
    case = await handoff.open_case(SHE, "kk", Triage(safe="n"), "almaty")
    clock[0] = at(1, 8, 30)
    await handoff.survivor_wrote(SHE, message_id=100, media_group_id=None, reply_to=None)  # out of hours
    await desks.shift_summaries()
    assert group_texts(request) == []  # closed: nothing yet

    clock[0] = at(1, 9, 5)
    await handoff.survivor_wrote(SHE, message_id=101, media_group_id=None, reply_to=None)  # in hours
    await desks.shift_summaries()
    await desks.shift_summaries()
    assert group_texts(request) == [
        "Смена началась.\nОткрытых обращений: 1, из них никто не ведёт: 1.\n"
        f"Дольше всех ждёт: #{case.code}, 65 минут.\nСообщений, пришедших вне рабочего времени: 1."
    ]
    assert "message_thread_id" not in request.last("sendMessage").params  # the general topic

    clock[0] = at(2, 11, 0)  # the next day's shift began two hours ago (the bot was down): not posted late
    await desks.shift_summaries()
    assert len(group_texts(request)) == 1


def test_figures_hide_small_numbers_and_show_medians_only_over_five_answers():
    assert [count(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
    few = shown(DeskFigures("almaty", opened=3, first_reply_minutes=(4, 10), answered_in_time=2))
    assert (few.opened, few.first_reply_median, few.in_time) == ("<5", "—", "—")
    many = shown(DeskFigures("almaty", opened=9, closed=6, first_reply_minutes=(2, 5, 9, 30, 60), answered_in_time=4))
    assert (many.opened, many.closed, many.first_reply_median, many.in_time) == ("9", "6", "9", "80%")
