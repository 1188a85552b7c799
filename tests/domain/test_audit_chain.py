from datetime import timedelta

from bot.domain.audit import (
    GENESIS_HASH,
    REDACTED,
    AuditAction,
    AuditEvent,
    chain_event,
    scrub_secrets,
    verify_chain,
    verify_publishes,
)


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
            )
        )
    return events


def test_intact_chain_verifies() -> None:
    events = build_chain(4)
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert verify_chain("inc-1", events) is None


def test_edited_event_is_named() -> None:
    events = build_chain(4)
    events[2] = events[2].model_copy(update={"details": {"i": 99}})
    violation = verify_chain("inc-1", events)
    assert violation is not None
    assert violation.event_id == events[2].event_id
    assert "edited" in violation.reason


def test_removed_event_is_named() -> None:
    events = build_chain(4)
    del events[1]
    violation = verify_chain("inc-1", events)
    assert violation is not None and violation.event_id == events[1].event_id
    assert "missing" in violation.reason


def test_reordered_events_are_detected() -> None:
    events = build_chain(4)
    events[1], events[2] = events[2], events[1]
    violation = verify_chain("inc-1", events)
    assert violation is not None and violation.seq == 2


def test_timestamp_moved_back_is_detected_even_if_rehashed() -> None:
    events = build_chain(3)
    moved = events[2].model_copy(update={"at": events[0].at - timedelta(seconds=5)}).sealed()
    events[2] = moved
    violation = verify_chain("inc-1", events)
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
        None, incident_id="i", actor="a", action=AuditAction.COMMAND_RUN, details={"password": "p"}
    )
    assert event.details == {"password": REDACTED}


def test_publish_without_matching_approval_is_a_violation() -> None:
    approve = chain_event(
        None,
        incident_id="i",
        actor="U1",
        action=AuditAction.STATUS_APPROVED,
        details={"draft_id": "d1", "body_sha256": "aaa"},
    )
    publish_other_body = chain_event(
        approve,
        incident_id="i",
        actor="marshal",
        action=AuditAction.STATUS_PUBLISHED,
        details={"draft_id": "d1", "body_sha256": "bbb"},
    )
    violation = verify_publishes("i", [approve, publish_other_body])
    assert violation is not None and "without a matching" in violation.reason
    publish_same = publish_other_body.model_copy(
        update={"details": {"draft_id": "d1", "body_sha256": "aaa"}}
    )
    assert verify_publishes("i", [approve, publish_same]) is None


def test_a_lagging_clock_never_moves_the_chain_backwards() -> None:
    first = chain_event(None, incident_id="i", actor="a", action=AuditAction.COMMAND_RUN)
    behind = first.at - timedelta(seconds=30)
    second = chain_event(
        first, incident_id="i", actor="a", action=AuditAction.COMMAND_RUN, at=behind
    )
    assert second.at == first.at
    assert verify_chain("i", [first, second]) is None
