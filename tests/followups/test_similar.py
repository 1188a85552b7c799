"""Similar incidents at assembly: up to three earlier incidents like the new one, scored
deterministically (alert group, service, title words, labels), drills left out, each with
its postmortem and follow-up status, posted in the room by an optional room step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.domain.followups import FollowUp
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, AssemblyStep, Incident
from bot.domain.severity import Severity
from bot.services.followups.similarity import SimilarIncidents, score
from bot.services.war_room.steps import REQUIRED_STEPS, StepName
from tests.services.war_room.conftest import (  # noqa: F401 - the fixtures
    WarRoomKit,
    directory_file,
    kit,
)

AT = datetime(2024, 5, 1, tzinfo=UTC)


def _incident(**changes: object) -> Incident:
    fields: dict[str, object] = {
        "source": AlertSource.GENERIC,
        "group_key": "g-1",
        "title": "Checkout 5xx above 20%",
        "severity": Severity.P1,
        "service": "checkout",
    }
    fields.update(changes)
    return Incident.model_validate(fields)


def test_the_score_is_deterministic_and_explained() -> None:
    new = _incident(labels={"region": "eu", "tier": "1"})
    same_group = score(new, _incident(title="Checkout latency", labels={"region": "eu"}))
    # title words of 3+ letters: {checkout, 5xx, above} and {checkout, latency}: 1 of 4
    assert same_group.score == 5 + 3 + 3 * (1 / 4) + 0.5
    assert same_group.reasons == (
        "same alert group",
        "same service",
        "similar title (25%)",
        "1 shared label(s)",
    )
    unrelated = score(new, _incident(group_key="g-2", service="search", title="Disk full"))
    assert (unrelated.score, unrelated.reasons) == (0, ())


def test_assembly_posts_the_three_most_similar_with_their_status(
    kit: WarRoomKit,  # noqa: F811 - the imported fixture
) -> None:
    followups = SqliteFollowUpStore(kit.store.database)
    earlier = []
    for n, (group, service, title) in enumerate(
        [
            ("g-db", "checkout", "Checkout 5xx above 20%"),  # group + service + title
            ("g-x", "checkout", "Checkout 5xx above 20%"),  # service + title
            ("g-y", "checkout", "Payments queue backlog"),  # service only
            ("g-z", "search", "Checkout 5xx on search"),  # half the title: 1.5, below 2
            ("g-q", "search", "Disk full"),  # nothing alike
        ]
    ):
        made = kit.new_incident(
            group_key=group, service=service, title=title, triggered_at=AT + timedelta(hours=n)
        )
        earlier.append(made)
    kit.new_incident(group_key="g-drill", title="Checkout 5xx above 20%", drill=True)
    first = earlier[0]
    filed = first.transition(IncidentStatus.RESOLVED, at=AT + timedelta(hours=1)).model_copy(
        update={
            "resolution": {
                "postmortem_filed": AssemblyStep(
                    name="postmortem_filed",
                    done_at=AT,
                    detail={"url": "https://tracker.example/PM-1"},
                )
            }
        }
    )
    kit.store.update(filed, expected_version=first.version)
    for text in ("canary", "alert"):
        followups.add(
            FollowUp(
                incident_id=first.id,
                text=text,
                due_at=AT + timedelta(days=7),
                incident_severity="P1",
                created_by="U0IC",
            )
        )
    new = kit.new_incident(group_key="g-db", triggered_at=AT + timedelta(days=1))
    finder = SimilarIncidents(kit.store, followups)
    assert [m.incident.id for m in finder.matches(new)] == [e.id for e in earlier[:3]]

    done = kit.assembler(similar_incidents=finder).assemble(new.id)

    assert StepName.SIMILAR_INCIDENTS.value in done.assembly
    assert StepName.SIMILAR_INCIDENTS not in REQUIRED_STEPS
    detail = done.assembly[StepName.SIMILAR_INCIDENTS.value].detail
    assert detail["similar"] == [e.id for e in earlier[:3]]
    room = kit.sandbox.workspace.channel(str(done.channel_id))
    [posted] = [m for m in room.messages if "Earlier incidents like this one" in m.text]
    shown = str(posted.blocks)
    assert "https://tracker.example/PM-1" in shown and "follow-ups 2 open of 2" in shown
    assert earlier[3].id not in shown and "no postmortem yet" in shown


def test_nothing_alike_posts_nothing(kit: WarRoomKit) -> None:  # noqa: F811
    kit.new_incident(group_key="g-other", service="search", title="Disk full", triggered_at=AT)
    new = kit.new_incident(group_key="g-new", triggered_at=AT + timedelta(hours=1))
    finder = SimilarIncidents(kit.store, SqliteFollowUpStore(kit.store.database))
    done = kit.assembler(similar_incidents=finder).assemble(new.id)
    assert done.assembly[StepName.SIMILAR_INCIDENTS.value].detail == {"similar": []}
    room = kit.sandbox.workspace.channel(str(done.channel_id))
    assert not [m for m in room.messages if "Earlier incidents" in m.text]
