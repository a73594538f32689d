"""An album she sends to her advocate reaches the topic as one album, even when a second turns between its
parts (the flake once seen in tests/e2e/test_handoff.py: the first photo went alone, the other two together)."""

from __future__ import annotations

from bot.handoff.service import ALBUM_WAIT, Triage

SHE = 42
TURN = 1_800_000_001  # a second turns here


async def test_the_parts_of_an_album_are_never_due_apart_when_a_second_turns_between_them(services):
    handoff = services.handoff
    clock = [TURN - 0.05]
    handoff.clock = lambda: clock[0]
    case = await handoff.open_case(SHE, "kk", Triage(), "national")
    await handoff.outbox.drop_pending(case.id, "to_group")  # the new case's own notices: not part of this story

    # Telegram delivers an album as separate messages: the first just before the second turns, the rest after.
    for message_id, at in ((101, TURN - 0.05), (102, TURN + 0.01), (103, TURN + 0.02)):
        clock[0] = at
        await handoff.survivor_wrote(SHE, message_id=message_id, media_group_id="album-1", reply_to=None)

    seen = []
    for now in range(TURN - 1, TURN + ALBUM_WAIT + 2):
        due = [
            item.source_message
            for item in await handoff.outbox.due(now, ["national"])
            if item.media_group_id == "album-1"
        ]
        seen.append(due)
        assert due in ([], [101, 102, 103]), f"at {now - TURN:+d} s only {due} of the album would be sent"
    assert seen[-1] == [101, 102, 103]  # and it does fall due, together
