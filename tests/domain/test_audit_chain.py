import hashlib
import json
from datetime import timedelta

import pytest

from bot.domain.audit import (
    GENESIS_HASH,
    REDACTED,
    AuditAction,
    AuditEvent,
    CorruptAuditEvent,
    chain_event,
    parse_stored_event,
    scrub_secrets,
    verify_chain,
    verify_publishes,
)
from bot.domain.audit_anchor import anchor_head, verify_anchor
from bot.domain.audit_keys import AuditKey, AuditKeyring
from bot.domain.errors import ConfigurationError

KEYS = AuditKeyring.from_text("domain-test-audit-key-0123456789")
KEY = KEYS.current


def build_chain(n: int) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    for i in range(n):
        events.append(
            chain_event(
                events[-1] if events else None,
                incident_id="inc-1",
                actor="U1",
                action=AuditAction.COMMAND_RUN,
                details={"i": i},
                key=KEY,
            )
        )
    return events


def test_intact_chain_verifies() -> None:
    events = build_chain(4)
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert verify_chain("inc-1", events, KEYS) is None


def test_edited_event_is_named() -> None:
    events = build_chain(4)
    events[2] = events[2].model_copy(update={"details": {"i": 99}})
    violation = verify_chain("inc-1", events, KEYS)
    assert violation is not None
    assert violation.event_id == events[2].event_id
    assert "edited" in violation.reason


def test_removed_event_is_named() -> None:
    events = build_chain(4)
    del events[1]
    violation = verify_chain("inc-1", events, KEYS)
    assert violation is not None and violation.event_id == events[1].event_id
    assert "missing" in violation.reason


def test_reordered_events_are_detected() -> None:
    events = build_chain(4)
    events[1], events[2] = events[2], events[1]
    violation = verify_chain("inc-1", events, KEYS)
    assert violation is not None and violation.seq == 2


def test_timestamp_moved_back_is_detected_even_if_rehashed() -> None:
    events = build_chain(3)
    moved = events[2].model_copy(update={"at": events[0].at - timedelta(seconds=5)}).sealed(KEY)
    events[2] = moved
    violation = verify_chain("inc-1", events, KEYS)
    assert violation is not None and "timestamp" in violation.reason


def test_secrets_are_scrubbed_at_any_depth() -> None:
    scrubbed = scrub_secrets(
        {"Authorization": "Bearer x", "nested": [{"api_key": "k", "ok": 1}], "SLACK_BOT_TOKEN": "t"}
    )
    assert scrubbed == {
        "Authorization": REDACTED,
        "nested": [{"api_key": REDACTED, "ok": 1}],
        "SLACK_BOT_TOKEN": REDACTED,
    }
    event = chain_event(
        None,
        incident_id="i",
        actor="a",
        action=AuditAction.COMMAND_RUN,
        details={"password": "p"},
        key=KEY,
    )
    assert event.details == {"password": REDACTED}


def test_publish_without_matching_approval_is_a_violation() -> None:
    approve = chain_event(
        None,
        incident_id="i",
        actor="U1",
        action=AuditAction.STATUS_APPROVED,
        details={"draft_id": "d1", "body_sha256": "aaa"},
        key=KEY,
    )
    publish_other_body = chain_event(
        approve,
        incident_id="i",
        actor="marshal",
        action=AuditAction.STATUS_PUBLISHED,
        details={"draft_id": "d1", "body_sha256": "bbb"},
        key=KEY,
    )
    violation = verify_publishes("i", [approve, publish_other_body])
    assert violation is not None and "without a matching" in violation.reason
    publish_same = publish_other_body.model_copy(
        update={"details": {"draft_id": "d1", "body_sha256": "aaa"}}
    )
    assert verify_publishes("i", [approve, publish_same]) is None


def test_a_lagging_clock_never_moves_the_chain_backwards() -> None:
    first = chain_event(None, incident_id="i", actor="a", action=AuditAction.COMMAND_RUN, key=KEY)
    behind = first.at - timedelta(seconds=30)
    second = chain_event(
        first, incident_id="i", actor="a", action=AuditAction.COMMAND_RUN, at=behind, key=KEY
    )
    assert second.at == first.at
    assert verify_chain("i", [first, second], KEYS) is None


def test_an_edited_event_rehashed_without_the_key_is_detected() -> None:
    events = build_chain(3)
    edited = events[1].model_copy(update={"actor": "mallory"})
    # what an editor without the key can do: recompute a plain SHA-256, or an HMAC under a guess
    body = json.loads(edited.model_dump_json(exclude={"hash"}))
    plain = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    for forged in (
        edited.model_copy(update={"hash": plain}),
        edited.sealed(AuditKey(b"a-guessed-key-that-is-not-it")),
    ):
        violation = verify_chain("inc-1", [events[0], forged, events[2]], KEYS)
        assert violation is not None and violation.seq == 2
        assert "edited" in violation.reason or "unknown audit key" in violation.reason


def test_events_sealed_with_a_previous_key_verify_after_rotation() -> None:
    old = AuditKeyring.from_text("the-old-audit-key-0123456789abcdef")
    first = chain_event(
        None, incident_id="i", actor="a", action=AuditAction.COMMAND_RUN, key=old.current
    )
    second = chain_event(
        first, incident_id="i", actor="a", action=AuditAction.ACKNOWLEDGED, key=KEY
    )
    rotated = AuditKeyring.from_text(
        "domain-test-audit-key-0123456789", "the-old-audit-key-0123456789abcdef"
    )

    assert first.key_id == old.current.key_id and second.key_id == KEY.key_id
    assert verify_chain("i", [first, second], rotated) is None
    violation = verify_chain("i", [first, second], KEYS)  # the old key dropped too soon
    assert violation is not None and old.current.key_id in violation.reason


def test_an_event_of_another_incident_is_named() -> None:
    events = build_chain(2)
    violation = verify_chain("inc-2", events, KEYS)
    assert violation is not None and "belongs to incident inc-1" in violation.reason


def test_stored_events_are_parsed_strictly() -> None:
    stored = json.loads(build_chain(1)[0].model_dump_json())
    with pytest.raises(CorruptAuditEvent, match="extra_field"):
        parse_stored_event("inc-1", "#1", json.dumps({**stored, "extra_field": 1}))
    with pytest.raises(CorruptAuditEvent, match="seq"):
        parse_stored_event("inc-1", "#1", json.dumps({**stored, "seq": "1"}))
    with pytest.raises(CorruptAuditEvent, match="#1"):
        parse_stored_event("inc-1", "#1", "{not json")


def test_a_chain_must_end_at_its_anchored_head() -> None:
    events = build_chain(4)
    head = anchor_head("inc-1", events[-1], KEY)
    assert verify_anchor("inc-1", events, head, KEYS) is None

    truncated = verify_anchor("inc-1", events[:2], head, KEYS)
    assert truncated is not None and "truncated" in truncated.reason
    deleted = verify_anchor("inc-1", [], head, KEYS)
    assert deleted is not None and "deleted" in deleted.reason
    unanchored = verify_anchor("inc-1", events, None, KEYS)
    assert unanchored is not None and "no anchored head" in unanchored.reason
    moved_back = head.model_copy(update={"seq": 2, "hash": events[1].hash})
    forged = verify_anchor("inc-1", events[:2], moved_back, KEYS)
    assert forged is not None and "forged" in forged.reason
    other_chain = verify_anchor("inc-2", events, head, KEYS)
    assert other_chain is not None and "forged" in other_chain.reason


def test_keys_are_never_in_a_repr_and_short_ones_are_refused() -> None:
    keys = AuditKeyring.from_text("a-secret-audit-key-0123456789", "an-older-secret-key-0123456789")
    assert "secret" not in repr(keys) and "a-secret" not in str(keys.current)
    assert len(keys.current.key_id) == 8
    with pytest.raises(ConfigurationError, match="MARSHAL_AUDIT_KEY"):
        AuditKeyring.from_text("short")
    with pytest.raises(ConfigurationError, match="MARSHAL_AUDIT_KEYS_PREVIOUS"):
        AuditKeyring.from_text("a-secret-audit-key-0123456789", "tiny")
