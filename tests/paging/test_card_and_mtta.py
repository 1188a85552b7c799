"""Time to acknowledge counts from the first page (an acknowledgement in the pager counts
too), and the incident card's paging line says where escalation stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.commands.status import summary_lines
from bot.domain.escalation_state import EscalationState, PageRecord
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.services.incident_metrics import response_times

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def _incident(**changes: object) -> Incident:
    values: dict[str, object] = {
        "source": AlertSource.GENERIC,
        "group_key": "g",
        "title": "Checkout <!here>",
        "severity": Severity.P1,
        "triggered_at": T0,
        "channel_id": "C1",
    }
    return Incident.model_validate({**values, **changes})


def _paged(**changes: object) -> EscalationState:
    page = PageRecord(
        epoch=0, step=0, level=1, target="pagerduty:KEY", at=T0 + timedelta(seconds=40), by="m"
    )
    values: dict[str, object] = {
        "policy": "standard",
        "epoch_started_at": T0 + timedelta(seconds=30),
        "next_step": 1,
        "next_due": T0 + timedelta(minutes=5, seconds=40),
        "first_paged_at": T0 + timedelta(seconds=40),
        "pages": [page],
    }
    return EscalationState.model_validate({**values, **changes})


def test_mtta_counts_from_the_first_page() -> None:
    acked = _incident(
        acknowledged_at=T0 + timedelta(seconds=100), acknowledged_by="U1", escalation=_paged()
    )
    assert response_times(acked).acknowledge == 60.0
    unpaged = _incident(acknowledged_at=T0 + timedelta(seconds=100), acknowledged_by="U1")
    assert response_times(unpaged).acknowledge == 100.0
    in_pager = _incident(escalation=_paged(acked_at=T0 + timedelta(seconds=70), acked_by="x"))
    assert response_times(in_pager).acknowledge == 30.0


def test_the_card_says_where_escalation_stands() -> None:
    def line(incident: Incident) -> str:
        return next(x for x in summary_lines(incident) if x.startswith("*Paging:*"))

    assert line(_incident()) == "*Paging:* nobody paged"
    waiting = line(_incident(escalation=_paged()))
    assert "1 pages, last level 1 `pagerduty:KEY` at 03:00:40 UTC" in waiting
    assert "next level at 03:05:40 UTC" in waiting
    held = _paged(hold_until=T0 + timedelta(hours=1))
    assert "escalation held until 04:00 UTC" in line(_incident(escalation=held))
    acked = _paged(acked_at=T0 + timedelta(minutes=1), acked_by="U0BOB", ack_via="slack")
    assert "acknowledged by <@U0BOB> via slack at 03:01:00 UTC" in line(_incident(escalation=acked))
    done = line(_incident(escalation=_paged(next_due=None)))
    assert "the policy's last level was paged" in done
