"""The desks file (BOT_DESKS_FILE): what an operator writes, and every mistake named at its path:line."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import pytest

from bot import cli
from bot.config import ConfigError, load_settings
from bot.handoff.desks import REGIONS, DeskDirectory, DesksError, load_desks, region_key
from bot.handoff.service import Triage
from bot.services import Services
from bot.timezone import ALMATY
from tests.support.application import TEST_SECRET, offline_settings

EXAMPLE = """\
desks:
  - id: almaty
    name: "Almaty crisis centre"
    chat_id: -1001000000001
    regions: [KZ-75, KZ-19]
    languages: [ru, kk]
    hours: "09:00-18:00"
    days: mon-fri
    advocates: [111111111, 222222222]
    coordinators: [111111111]
  - id: national
    name: "National line"
    chat_id: -1001000000002
    regions: ["*"]
    languages: [ru, kk, en]
    hours: "00:00-24:00"
    days: mon-sun
    advocates: [333333333]
    coordinators: [333333333]
    language: kk
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "desks.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(DesksError) as raised:
        load_desks(path, "ru")
    return [str(problem).replace(str(path), "desks.yaml") for problem in raised.value.problems]


def test_the_issue_s_example_loads_as_two_desks(tmp_path):
    book = load_desks(write(tmp_path, EXAMPLE), "ru")
    almaty, national = book.get("almaty"), book.get("national")
    assert almaty is not None and national is not None and len(book) == 2
    assert almaty.name == "Almaty crisis centre" and almaty.chat_id == -1001000000001
    assert almaty.regions == {"KZ-75", "KZ-19"} and not almaty.national and national.national
    assert almaty.languages == ("ru", "kk") and almaty.language == "ru" and national.language == "kk"
    assert almaty.is_advocate(222222222) and not almaty.is_coordinator(222222222)
    assert almaty.is_coordinator(111111111) and not almaty.is_advocate(333333333)
    assert book.by_chat(-1001000000002) is national and book.shorthand is None
    monday_noon = dt.datetime(2026, 11, 30, 12, 0, tzinfo=ALMATY)
    assert almaty.hours.is_open(monday_noon) and not almaty.hours.is_open(monday_noon.replace(hour=19))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("regions: [KZ-75, KZ-19]", "regions: [KZ-75, KZ-99]"), "desks.yaml:5: regions: unknown code KZ-99"),
        (('hours: "09:00-18:00"', 'hours: "18:00-09:00"'), "desks.yaml:7: hours: must look like 09:00-18:00"),
        (("days: mon-fri", "days: weekdays"), "desks.yaml:8: days: must be days like mon-fri"),
        (("id: national", "id: almaty"), 'desks.yaml:11: desk id "almaty" appears twice (first at line 2)'),
        (("chat_id: -1001000000002", "chat_id: -1001000000001"), "desks.yaml:13: this group is already desk"),
        (("chat_id: -1001000000001", "chat_id: 1001000000001"), "desks.yaml:4: chat_id: must be the negative id"),
        (("    coordinators: [111111111]\n", ""), 'desks.yaml:2: this desk lacks "coordinators"'),
        (("advocates: [333333333]", "advocate: [333333333]"), 'desks.yaml:18: unknown key "advocate"'),
        (("advocates: [111111111, 222222222]", "advocates: [Saule]"), "desks.yaml:9: advocates: must be a list"),
        (('regions: ["*"]', 'regions: ["*", KZ-75]'), 'desks.yaml:14: regions: "*" already means every region'),
        (("languages: [ru, kk]", "languages: [ru, de]"), "desks.yaml:6: languages: must be a list of ru, kk, en"),
        (("language: kk", "language: de"), "desks.yaml:20: language: must be one of ru, kk, en"),
        (("days: mon-sun", "days: mon: sun"), "desks.yaml:17: YAML syntax error: mapping values are not allowed"),
    ],
)
def test_every_mistake_is_named_at_its_line(tmp_path, change, expected):
    old, new = change
    assert old in EXAMPLE
    found = problems_of(tmp_path, EXAMPLE.replace(old, new))
    assert any(problem.startswith(expected) for problem in found), found


def test_an_empty_or_missing_file_is_refused(tmp_path):
    assert problems_of(tmp_path, "desks: []\n") == [
        'desks.yaml:1: the file must hold "desks:", a list of at least one desk'
    ]
    with pytest.raises(DesksError, match="does not exist"):
        load_desks(tmp_path / "nowhere.yaml", "ru")


def test_every_region_has_its_name_in_the_content(content):
    assert len(REGIONS) == 20  # 17 regions and 3 cities
    for language in ("ru", "kk", "en"):
        ui = content.ui(language)
        names = {ui.text(region_key(region)) for region in REGIONS}
        assert len(names) == 20, language


def test_the_shorthand_is_one_national_desk_where_every_member_acts():
    book = DeskDirectory.configured(None, -1001234567890, "09:00-18:00", "mon-fri", "kk").book
    (desk,) = book.desks
    assert book.shorthand is desk and desk.national and desk.chat_id == -1001234567890
    assert desk.is_advocate(1) and desk.is_coordinator(2) and desk.language == "kk" and desk.name is None
    assert len(DeskDirectory.configured(None, None, "09:00-18:00", "mon-fri", "ru").book) == 0


def test_a_reload_with_errors_keeps_the_previous_desks(tmp_path):
    path = write(tmp_path, EXAMPLE)
    directory = DeskDirectory.configured(path, None, "09:00-18:00", "mon-fri", "ru")
    path.write_text(EXAMPLE.replace("advocates: [111111111, 222222222]", "advocates: [111111111]"), encoding="utf-8")
    almaty = directory.reload().get("almaty")
    assert almaty is not None and not almaty.is_advocate(222222222)  # removed from the file: no longer acts
    path.write_text(EXAMPLE.replace("mon-fri", "someday"), encoding="utf-8")
    with pytest.raises(DesksError):
        directory.reload()
    assert directory.book.get("almaty") is almaty


def test_the_desks_file_and_the_shorthand_are_not_both_set(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_ADVOCATE_CHAT_ID", "-1001234567890")
    monkeypatch.setenv("BOT_DESKS_FILE", str(tmp_path / "desks.yaml"))
    with pytest.raises(ConfigError, match=r"^BOT_DESKS_FILE: set it or BOT_ADVOCATE_CHAT_ID, not both"):
        load_settings()
    monkeypatch.delenv("BOT_ADVOCATE_CHAT_ID")
    assert load_settings().desks_file == tmp_path / "desks.yaml"


ROUTING = (
    EXAMPLE
    + """\
  - id: almaty-region
    name: "Almaty region centre"
    chat_id: -1001000000003
    regions: [KZ-19]
    languages: [en]
    hours: "09:00-18:00"
    days: mon-fri
    advocates: [444444444]
    coordinators: []
"""
)
MONDAY = dt.datetime(2026, 11, 30, 12, 0, tzinfo=ALMATY)
EVERYONE = ("almaty", "national", "almaty-region")


def routed(book, region, language, now=MONDAY, usable=EVERYONE):
    route = book.route(region, language, usable, now)
    return None if route is None else (route.desk.id, route.open_now, route.opens_at)


def test_a_case_goes_to_her_region_s_open_desk_else_an_open_national_one_else_her_region_s(tmp_path):
    book = load_desks(write(tmp_path, ROUTING), "ru")
    assert routed(book, "KZ-75", "kk") == ("almaty", True, None)  # her region, her language, open
    assert routed(book, None, "kk") == ("national", True, None)  # she skipped the question
    assert routed(book, "KZ-63", "ru") == ("national", True, None)  # no desk of her region
    assert routed(book, "KZ-75", "en") == ("national", True, None)  # her region's desk does not speak English
    evening = MONDAY.replace(hour=20)
    assert routed(book, "KZ-75", "kk", evening) == ("national", True, None)  # out of its hours
    # No national desk usable: her region's desk, closed now, honestly with when it answers.
    opens = MONDAY.replace(day=1, month=12, hour=9)
    assert routed(book, "KZ-75", "kk", evening, ("almaty", "almaty-region")) == ("almaty", False, opens)
    # A desk speaking her language comes first among closed ones of her region.
    assert routed(book, "KZ-19", "en", evening, ("almaty", "almaty-region"))[0] == "almaty-region"
    # Only a desk of another region: better than nothing.
    assert routed(book, "KZ-63", "kk", MONDAY, ("almaty",)) == ("almaty", True, None)
    assert routed(book, "KZ-75", "kk", MONDAY, ()) is None  # no desk at all: the hotlines


def test_desks_stats_prints_counts_per_desk_with_small_numbers_hidden(tmp_path, monkeypatch, capsys, content):
    settings = offline_settings(tmp_path / "data")
    settings.data_dir.mkdir()

    async def a_week_of_cases() -> None:
        services = await Services.open(settings, content, TEST_SECRET)
        try:
            for person in range(7):
                case = await services.handoff.open_case(person + 1, "kk", Triage(), "almaty")
                await services.handoff.cases.update(case.id, thread_id=person + 10)
                await services.handoff.advocate_wrote(await services.handoff.cases.get(case.id), 500 + person, None)
            await services.handoff.open_case(99, "ru", Triage(), "national")
        finally:
            await services.close()

    asyncio.run(a_week_of_cases())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_DATA_DIR", str(settings.data_dir))
    assert cli.main(["desks", "stats", "--days", "7"]) == 0
    out = capsys.readouterr().out.splitlines()
    almaty = next(line for line in out if line.startswith("almaty")).split()
    national = next(line for line in out if line.startswith("national")).split()
    assert almaty[:5] == ["almaty", "7", "0", "0", "100%"]  # seven opened, answered at once, all in time
    assert national[:4] == ["national", "<5", "0", "—"]


def test_desks_check_names_the_problems_or_lists_the_desks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_DESKS_FILE", str(write(tmp_path, EXAMPLE)))
    assert cli.main(["desks", "check"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("2 desk(s), no problems")
    write(tmp_path, EXAMPLE.replace("KZ-19", "KZ-20"))
    assert cli.main(["desks", "check"]) == 1
    assert "desks.yaml:5: regions: unknown code KZ-20" in capsys.readouterr().out


ADVOCATE_SIDE = ("card", "notice_", "status_", "queue_", "transfer_", "shift_", "desk_", "not_on_desk", "coordinators_")
GENDERED = {
    "en": r"\b(she|her|hers|herself|he|him|his|woman|girl|victim)\b",
    "ru": r"\b(она|её|ей|неё|обратившаяся|обратившийся|пострадавшая|пострадавший|женщина|жертва)\b",
}


def test_the_advocates_interface_never_assumes_the_person_s_gender(content):
    for language, pattern in GENDERED.items():
        pack = content.tree.packs[language]
        for key in pack.ui:
            if key.startswith(ADVOCATE_SIDE):
                assert not re.search(pattern, str(pack.ui[key]), re.IGNORECASE), (language, key)
