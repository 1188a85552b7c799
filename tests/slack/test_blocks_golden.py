"""Every message and modal renders to exactly the JSON marshal posted before the views.

tests/fixtures/slack_blocks_golden.json holds, per fixture, the SHA-256 of the canonical
JSON (fallback text and blocks, or the modal) that the Block Kit code in bot/services
produced before it moved to bot/slack/blocks/. Hostile text, clipping at Block Kit's
limits, a body split over several sections, ticked and unticked rows: all byte-for-byte.
A deliberate change to a message updates the digest of that fixture alone.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.domain.followups import FollowUp, FollowUpStatus
from bot.domain.models import (
    AlertSource,
    ChecklistTick,
    Incident,
    Link,
    PublicStatus,
    Role,
    StatusPageDraft,
)
from bot.domain.severity import Severity
from bot.ports.context import ContextSection
from bot.ports.slack_views import (
    DigestView,
    FollowUpListView,
    FollowUpProposals,
    FollowUpReasonModal,
    FollowUpRow,
    MessageView,
    Mrkdwn,
    RatingPrompt,
    ReminderView,
    ResolvePrompt,
    SimilarIncidentRow,
    SimilarIncidentsView,
    StatusDraftClosed,
    StatusDraftEditModal,
    StatusDraftReview,
)
from bot.services.nudges.messages import nudge_view, status_update_modal
from bot.services.war_room.checklist import DEFAULT_ITEMS, ChecklistItem, checklist_view
from bot.services.war_room.context_message import incident_context_view
from bot.services.war_room.context_snapshot import Snapshot, snapshot_view
from bot.slack.blocks.render import render_message, render_modal

GOLDEN = Path(__file__).parents[1] / "fixtures" / "slack_blocks_golden.json"
HOSTILE = "<!channel> & <@U0EVIL> <http://evil|click> *bold* ```fence``` `tick` ~strike~"
AT = datetime(2024, 5, 1, 12, 34, 56, tzinfo=UTC)


def _incidents() -> list[Incident]:
    plain = Incident(
        id="inc-plain",
        source=AlertSource.GENERIC,
        group_key="g",
        title="Checkout 5xx",
        severity=Severity.P1,
        service="checkout",
        team="payments",
        triggered_at=AT,
        updated_at=AT,
    )
    hostile = Incident(
        id="inc-hostile",
        source=AlertSource.SLACK,
        group_key="g2",
        title=HOSTILE,
        severity=Severity.P4,
        service=HOSTILE,
        team=None,
        description=HOSTILE + "\n" + "x&" * 700,  # escaped, past a section's 3,000 characters
        links=[
            Link(title=HOSTILE, url="https://ex.com/a b|c<d>"),
            Link(title="Runbook", url="https://rb"),
        ],
        labels={"declared_by": "U0ALICE"},
        oncall=["U0BOB", "bob@example.com", "<!here>"],
        roles={Role.IC: "U0IC"},
        drill=True,
        alert_count=3,
        triggered_at=AT,
        updated_at=AT,
        checklist={
            "war_room_assembled": ChecklistTick(by="U0IC", at=AT),
            "ic_confirmed": ChecklistTick(by="marshal", at=AT),
        },
    )
    spoof = Incident(
        id="inc-spoof",
        source=AlertSource.GRAFANA,
        group_key="g3",
        title="t",
        severity=Severity.P2,
        labels={"declared_by": "U0EVIL"},  # an alert's label, not Slack's word
        roles={Role.IC: "not-an-id<@U1>"},
        triggered_at=AT,
        updated_at=AT,
    )
    return [plain, hostile, spoof]


def _sections() -> tuple[ContextSection, ...]:
    rows = ("p99 320ms", HOSTILE, "y" * 400, *(f"row {i} &" for i in range(200)))
    return (
        ContextSection("Metrics", rows=rows),
        ContextSection(HOSTILE, unavailable=HOSTILE + " " + "z" * 200),
        ContextSection("Empty"),
    )


def _drafts() -> list[StatusPageDraft]:
    small = StatusPageDraft(
        id="draft-1",
        incident_id="inc-plain",
        version=2,
        title="Checkout degraded",
        body="We are looking.",
        drafted_by="U0ALICE",
        editors=["U0BOB", "U0BOB", "x<@U1>"],
        created_at=AT,
        updated_at=AT,
    )
    big = StatusPageDraft(
        id="draft-2",
        incident_id="inc-hostile",
        version=0,
        title=HOSTILE,
        body=(HOSTILE + "&") * 40,  # escaped, more than one section's worth
        public_status=PublicStatus.IDENTIFIED,
        drafted_by="U0ALICE",
        edited_by="U0CAROL",
        created_at=AT,
        updated_at=AT,
    )
    return [small, big]


def _message(view: MessageView) -> dict[str, Any]:
    rendered = render_message(view)
    return {"text": rendered.text, "blocks": rendered.blocks}


def rendered_fixtures() -> dict[str, Any]:
    out: dict[str, Any] = {}
    items = [*DEFAULT_ITEMS, ChecklistItem(key="custom", label="Custom & <b>")]
    for incident in _incidents():
        key = incident.id
        out[f"checklist/{key}"] = _message(checklist_view(incident, items))
        out[f"context/{key}"] = _message(incident_context_view(incident))
        snapshot = Snapshot(incident.team or incident.service or "x", AT, _sections())
        out[f"snapshot/{key}"] = _message(snapshot_view(incident, snapshot))
        out[f"nudge/{key}"] = _message(nudge_view(incident, every="15m", command="/marshal"))
        for can_draft in (True, False):
            modal = status_update_modal(incident, can_draft=can_draft)
            out[f"modal/{key}/{can_draft}"] = render_modal(modal)
        out[f"rating/{key}"] = _message(RatingPrompt(incident.id))
        text = Mrkdwn(f":large_green_circle: The alert cleared ({key}). <@U0IC>: resolve")
        out[f"resolve/{key}"] = _message(ResolvePrompt(incident.id, text))
    out["reminder"] = _message(ReminderView(Mrkdwn("*Reminder* for &lt;x&gt; <@U0IC>")))
    for draft in _drafts():
        key = draft.id
        out[f"review/{key}"] = _message(StatusDraftReview(draft))
        note = Mrkdwn("Publishing failed: x &lt;")
        out[f"review-note/{key}"] = _message(StatusDraftReview(draft, note=note))
        outcome = Mrkdwn(":no_entry: Rejected by <@U0BOB>.")
        out[f"closed/{key}"] = _message(StatusDraftClosed(draft, outcome))
        edit = StatusDraftEditModal(draft, "C0ROOM", "1700000000.000100")
        out[f"edit/{key}"] = render_modal(edit)
    out.update(followup_fixtures())
    return out


def followup_fixtures() -> dict[str, Any]:
    hostile = "Stop <!channel> paging <@U0EVIL> via <http://evil|click> & co"
    made = FollowUp(
        id="fu-1",
        incident_id="inc-hostile",
        text=hostile,
        owner="U0BOB",
        due_at=AT,
        incident_severity="P1",
        created_by="U0IC",
        created_at=AT,
    )
    closed = made.closed(FollowUpStatus.DONE, by="U0BOB", at=AT).model_copy(update={"id": "fu-2"})
    rows = (FollowUpRow.of(made, AT + timedelta(days=1)), FollowUpRow.of(closed, AT))
    view = FollowUpListView(heading=Mrkdwn("*2 all follow-up(s)*"), rows=rows, more=3)
    return {
        "followups/list": _message(view),
        "followups/not-doing": render_modal(FollowUpReasonModal("fu-1", hostile)),
        "followups/proposals": _message(FollowUpProposals("inc-1", "res-1", (hostile, "Plain"))),
        "followups/digest": _message(DigestView("2024-W18", Mrkdwn("*Incident digest* &lt;x&gt;"))),
        "followups/similar": _message(
            SimilarIncidentsView(
                "inc-new",
                (
                    SimilarIncidentRow(
                        id="inc-old",
                        title=hostile,
                        severity="P1",
                        status="resolved",
                        triggered_at=AT,
                        score=8.75,
                        reasons=("same alert group", "same service"),
                        postmortem_url="https://tracker.example/<@U0EVIL>",
                        postmortem_done=True,
                        followups_open=1,
                        followups_total=2,
                    ),
                ),
            )
        ),
    }


def _digest(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_every_view_renders_exactly_as_before() -> None:
    golden: dict[str, str] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    rendered = rendered_fixtures()
    assert sorted(rendered) == sorted(golden)
    changed = {key: value for key, value in rendered.items() if _digest(value) != golden[key]}
    assert not changed, json.dumps(changed, indent=1, ensure_ascii=False)[:4000]


def test_outside_text_is_escaped_everywhere_it_is_rendered() -> None:
    # the edit modal's input holds the draft's own text for editing: Slack never renders it
    rendered = {k: v for k, v in rendered_fixtures().items() if not k.startswith("edit/")}
    shown = json.dumps(rendered, ensure_ascii=False)
    for markup in ("<!channel>", "<@U0EVIL>", "<http://evil|click>", "<!here>", "<@U1>"):
        assert markup not in shown
    assert "&lt;!channel&gt;" in shown
