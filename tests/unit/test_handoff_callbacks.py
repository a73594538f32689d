"""The handoff's button payloads: what is built parses back, and nothing forged reaches the database (a forged
button through PTB: tests/handlers/test_handoff_callbacks.py)."""

from __future__ import annotations

from bot.telegram.handoff import callbacks


def test_every_payload_the_bot_builds_parses_back_to_the_same_meaning() -> None:
    step = callbacks.TriageStep(("n", ""))
    assert callbacks.parse_triage(step.then("e")) == callbacks.TriageStep(("n", "", "e"))
    region = callbacks.TriageStep(("n", "", "e")).then("75")
    assert callbacks.parse_triage(region) == callbacks.TriageStep(("n", "", "e", "75"))
    assert callbacks.parse_show(callbacks.ShowReply(42).data()) == callbacks.ShowReply(42)
    assert callbacks.parse_case_action(callbacks.CaseAction("close", 7).data()) == callbacks.CaseAction("close", 7)
    assert callbacks.parse_canned(callbacks.Canned(7, "safe_now").data()) == callbacks.Canned(7, "safe_now")
    for payload in (step.then("e"), callbacks.CaseAction("reopen", 2**63 - 1).data(), callbacks.CLOSE_DATA):
        assert len(payload.encode()) <= 64


def test_an_id_beyond_sqlite_integers_is_refused_before_any_lookup() -> None:
    # Forged callback data may carry up to ~55 digits; SQLite would raise on them (security review, item 5).
    huge = "9" * 40
    assert callbacks.parse_show(f"1:h:show:{huge}") is None
    assert callbacks.parse_case_action(f"1:h:claim:{huge}") is None
    assert callbacks.parse_canned(f"1:h:canned:{huge}:greeting") is None
    assert callbacks.parse_case_action(f"1:h:claim:{2**63}") is None
    assert callbacks.parse_case_action(f"1:h:claim:{2**63 - 1}") == callbacks.CaseAction("claim", 2**63 - 1)


def test_forged_verbs_and_shapes_parse_to_nothing() -> None:
    assert callbacks.parse_case_action("1:h:delete:5") is None
    assert callbacks.parse_canned("1:h:canned:5:Bad-Name") is None
    assert callbacks.parse_triage("1:h:t:a:b:c:d") is None
    assert callbacks.parse_triage("1:h:t:a:b:c:999") is None and callbacks.parse_triage("1:h:t:75") is None
    assert callbacks.parse_show(None) is None
