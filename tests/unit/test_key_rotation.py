"""Key rotation (issue 13, item 3), through the services as the bot runs them: after `keys rotate` and a start with
the new key alone, every journal opens and every person is recognised when she writes, with her settings, ticks,
scheduled deletions and case; nothing is left under an old pseudonym; an interrupted rotation resumes; `finish`
deletes what waited for people who never came back."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT_DIR
from bot.content.store import ContentStore
from bot.features import UI_KEYS
from bot.handoff.service import RelayFile, Triage
from bot.journal.model import AttachmentKind, EntryFields, NewAttachment
from bot.journal.plan import PlanStep
from bot.privacy import Pseudonymizer
from bot.rotation.rotate import RotationError, finish, load_legacy, rotate
from bot.services import Services
from bot.storage.database import Database
from bot.storage.inbox import UpdateInbox
from bot.storage.key_check import WrongKey, verify_key
from bot.storage.rotation import RotationRepository
from tests.support.application import offline_settings
from tests.support.journal import png_bytes

KEY_A, KEY_B, KEY_C = b"a1" * 32, b"b2" * 32, b"c3" * 32
ALICE, BOB, CAROL = 111_000_111, 222_000_222, 333_000_333  # no PIN; a PIN; never comes back
BOB_PIN = "246813"
CONTENT = ContentStore.load(DEFAULT_CONTENT_DIR, UI_KEYS)


async def open_services(data_dir: Path, key: bytes) -> Services:
    database = await Database.open(data_dir / "bot.sqlite3")
    try:
        await verify_key(database, key)
    finally:
        await database.close()
    return await Services.open(offline_settings(data_dir), CONTENT, key)


async def with_database(data_dir: Path, work):  # type: ignore[no-untyped-def]
    database = await Database.open(data_dir / "bot.sqlite3")
    try:
        return await work(database)
    finally:
        await database.close()


async def everything_before_the_rotation(data_dir: Path) -> None:
    services = await open_services(data_dir, KEY_A)
    alice, bob, carol = (services.pseudonyms.user_key(user) for user in (ALICE, BOB, CAROL))
    screen, item = CONTENT.checklist_items()[0]
    await services.users.save(alice, language="kk", screen="menu")
    await services.safety.set_wipe_after(ALICE, 30)
    await services.safety.record(ALICE, [10, 11], int(time.time()))
    await services.safety.delete_later(ALICE, 12, 0)
    await services.guide._checklists.set_ticked(alice, services.pseudonyms.tick(alice, screen, item), True)
    await services.handoff.open_case(ALICE, "kk", Triage(), "national")
    await services.handoff.survivor_wrote(ALICE, 77, None, None, RelayFile("FILE-ID-77", "my street"))
    await services.journal.create(alice)
    attachment = NewAttachment(png_bytes(), AttachmentKind.PHOTO, "bruise.png", "image/png")
    await services.journal.add_entry(
        alice, EntryFields(dt.date(2026, 11, 3), what_happened="he pushed me"), [attachment]
    )
    await services.journal.set_plan_answer(alice, PlanStep.CODE_WORD, "yellow umbrella")
    await services.journal.create(bob, BOB_PIN)
    await services.journal.add_entry(bob, EntryFields(dt.date(2026, 11, 4), what_happened="threats at night"))
    await services.users.save(carol, language="ru", screen="menu")
    await services.journal.create(carol)
    await UpdateInbox(services.database, KEY_A).add(4242, b'{"update_id": 4242}')  # a crash left it there
    await services.close()


async def rows_holding(database: Database, text: str) -> list[str]:
    """Every table and column in which some row holds `text`."""
    found = []
    tables = await database.connection.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    for (table,) in tables:
        for column in await database.connection.execute_fetchall(f"SELECT name FROM pragma_table_info('{table}')"):
            hits = await database.connection.execute_fetchall(
                f"SELECT 1 FROM {table} WHERE CAST({column[0]} AS TEXT) = ?", (text,)
            )
            if hits:
                found.append(f"{table}.{column[0]}")
    return found


async def test_after_rotation_the_new_key_alone_opens_every_journal_and_recognises_each_person(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    await everything_before_the_rotation(data_dir)
    old = Pseudonymizer(KEY_A)

    report = await with_database(data_dir, lambda database: rotate(database, KEY_A, KEY_B))
    assert report.resealed == {
        "wipe_schedule": 1,
        "timed_deletions": 1,
        "cases": 1,
        "journal_keys": 0,
        "outbox": 1,
        "update_inbox": 1,
    }
    assert report.rewrapped == 2  # Alice's and Carol's journals, which have no PIN
    assert (report.waiting_people, report.waiting_pin_journals) == (3, 1)
    with pytest.raises(WrongKey, match="moved to a new key"):  # the old key is refused from now on
        await with_database(data_dir, lambda database: verify_key(database, KEY_A))

    services = await open_services(data_dir, KEY_B)  # the new key only
    try:
        alice = services.pseudonyms.user_key(ALICE)
        assert await services.users.get(alice) is None  # not recognised before she writes
        # Jobs work for everyone at once: the sealed values were re-sealed under the new key.
        assert (ALICE, 12) in await services.safety.due_deletions()

        await services.recognise(ALICE)  # what the bot does first with each update of hers
        assert await services.moves.recognise(ALICE) is False  # once
        state = await services.users.get(alice)
        assert state is not None and state.language == "kk" and state.wipe_after_minutes == 30
        assert await services.safety.messages_to_delete(ALICE) == [10, 11]
        screen, item = CONTENT.checklist_items()[0]
        assert await services.guide._ticked(alice, screen, [item]) == {item}
        case = await services.handoff.cases.latest_for_user(alice)
        assert case is not None and services.handoff.chat_id(case) == ALICE
        (pending,) = [
            item for item in await services.handoff.outbox.due(2**40, ["national"]) if item.file_ref is not None
        ]
        assert services.handoff.relay_file(case, pending) == RelayFile("FILE-ID-77", "my street")
        await services.journal.unlock(alice)
        (entry,) = await services.journal.entries(alice)
        assert entry.fields.what_happened == "he pushed me"
        assert await services.journal.read_attachment(alice, entry.attachments[0].file_id) == png_bytes()
        assert (await services.journal.verify(alice)).ok
        assert (await services.journal.plan(alice)).answers == {PlanStep.CODE_WORD: "yellow umbrella"}
        await services.journal.add_entry(alice, EntryFields(dt.date(2026, 12, 1), what_happened="after"))
        assert len(await services.journal.entries(alice)) == 2
        assert await rows_holding(services.database, old.user_key(ALICE)) == []  # nothing left under the old one
        assert [w.body for w in await UpdateInbox(services.database, KEY_B).waiting()] == [b'{"update_id": 4242}']

        bob = services.pseudonyms.user_key(BOB)
        assert await services.moves.recognise(BOB) is True
        services.safety.forget_cached(BOB)
        await services.journal.unlock(bob, BOB_PIN)  # with the previous key's journal subkey, then re-wrapped
        assert [e.fields.what_happened for e in await services.journal.entries(bob)] == ["threats at night"]
        row = await services.journal._repo.key(bob)
        assert row is not None and not row.legacy_kek
        assert await RotationRepository(services.database).counts() == (1, 0)  # Carol never came back
    finally:
        await services.close()

    with pytest.raises(RotationError, match="1 people have not written"):
        await with_database(data_dir, lambda database: finish(database, data_dir, discard=False))
    assert await with_database(data_dir, lambda database: finish(database, data_dir, discard=True)) == (1, 0)
    services = await open_services(data_dir, KEY_B)
    try:
        assert not services.moves.active
        assert await rows_holding(services.database, old.user_key(CAROL)) == []
        services.journal.lock(services.pseudonyms.user_key(BOB))
        await services.journal.unlock(services.pseudonyms.user_key(BOB), BOB_PIN)  # after the subkeys are gone
    finally:
        await services.close()
    # A second rotation after the first one finished.
    report = await with_database(data_dir, lambda database: rotate(database, KEY_B, KEY_C))
    assert report.rewrapped == 1 and report.resealed["journal_keys"] == 2  # both moved journals keep a binding


async def test_an_interrupted_rotation_stops_the_bot_and_resumes_with_the_same_keys(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    await everything_before_the_rotation(data_dir)
    original = RotationRepository.set_wrap
    calls = 0

    async def fail_on_the_second(self, user_key, wrapped):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("disk gone")
        await original(self, user_key, wrapped)

    monkeypatch.setattr(RotationRepository, "set_wrap", fail_on_the_second)
    with pytest.raises(OSError):
        await with_database(data_dir, lambda database: rotate(database, KEY_A, KEY_B))
    monkeypatch.setattr(RotationRepository, "set_wrap", original)
    with pytest.raises(RotationError, match="interrupted"):
        await with_database(data_dir, lambda database: load_legacy(database, KEY_B))
    with pytest.raises(RotationError, match="not the key this database belongs to"):
        await with_database(data_dir, lambda database: rotate(database, KEY_C, KEY_B))

    report = await with_database(data_dir, lambda database: rotate(database, KEY_A, KEY_B))
    assert report.resumed and report.rewrapped == 2 and report.resealed["cases"] == 0  # the rest, not again
    services = await open_services(data_dir, KEY_B)
    try:
        await services.moves.recognise(CAROL)
        await services.journal.unlock(services.pseudonyms.user_key(CAROL))
    finally:
        await services.close()
