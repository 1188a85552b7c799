"""DynamoDB: a write that loses its condition reports the stored record from the same call
(ReturnValuesOnConditionCheckFailure=ALL_OLD), with no second read, over moto's server.

And the store's per-port adapters each work alone on one shared SingleTable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from bot.adapters.dynamodb.claims import DynamoClaims
from bot.adapters.dynamodb.draft_store import DynamoDraftStore
from bot.adapters.dynamodb.incident_store import DynamoIncidents, DynamoIncidentStore
from bot.adapters.dynamodb.outbox import DynamoOutbox
from bot.adapters.dynamodb.single_table import SingleTable
from bot.adapters.dynamodb.tables import create_tables
from bot.adapters.dynamodb.timeline import DynamoTimeline
from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.models import DraftStatus, Incident, StatusPageDraft, TimelineEntry
from bot.ports.store import Claims, Incidents, Outbox, Timeline
from tests.conftest import AwsEndpoint
from tests.contract.conftest import T0, dynamodb_client, make_alert, make_event


class Reads:
    """Every GetItem the client sends, by the `pk` (or `id`) of its key."""

    def __init__(self, client: DynamoDBClient) -> None:
        self.keys: list[str] = []
        client.meta.events.register("provide-client-params.dynamodb.GetItem", self._seen)

    def _seen(self, params: dict[str, Any], **_: Any) -> None:
        key = params["Key"]
        self.keys.append(str((key.get("pk") or key.get("id"))["S"]))


@pytest.fixture
def client(aws: AwsEndpoint) -> Iterator[DynamoDBClient]:
    made = dynamodb_client()
    create_tables(made, "race-")
    yield made


def draft() -> StatusPageDraft:
    return StatusPageDraft(
        incident_id="inc-1", title="Checkout", body="On it.", drafted_by="U1", created_at=T0
    )


def test_lost_draft_update_carries_the_stored_draft_without_a_read(
    client: DynamoDBClient,
) -> None:
    drafts = DynamoDraftStore(client, "race-")
    first = drafts.add(draft())
    winner = drafts.update(
        first.model_copy(update={"status": DraftStatus.APPROVED}),
        expected_version=0,
        expected_status=DraftStatus.PENDING,
    )
    reads = Reads(client)

    with pytest.raises(ConcurrentUpdate) as caught:
        drafts.update(first, expected_version=0, expected_status=DraftStatus.PENDING)
    with pytest.raises(ConcurrentUpdate) as again:
        drafts.add(first)

    assert caught.value.current == winner
    assert again.value.current == winner
    assert reads.keys == []


def test_update_of_a_missing_draft_is_not_found_without_a_read(client: DynamoDBClient) -> None:
    drafts = DynamoDraftStore(client, "race-")
    reads = Reads(client)
    with pytest.raises(NotFound):
        drafts.update(draft(), expected_version=0, expected_status=DraftStatus.PENDING)
    assert reads.keys == []


def test_lost_incident_update_carries_the_stored_incident_without_rereading_it(
    client: DynamoDBClient,
) -> None:
    store = DynamoIncidentStore(client, "race-")
    alert = make_alert()
    intake = store.ingest(alert, Incident.from_alert(alert), make_event())
    assert intake is not None
    stale = intake.incident
    winner = store.update(stale.model_copy(update={"title": "first"}), expected_version=0)
    reads = Reads(client)

    with pytest.raises(ConcurrentUpdate) as caught:
        store.update_with_events(
            stale.model_copy(update={"title": "second"}), expected_version=0, events=()
        )

    assert caught.value.current == winner
    assert f"INC#{stale.id}" not in reads.keys  # only the group claim was read, before writing


def test_each_port_adapter_works_alone_on_one_shared_table(client: DynamoDBClient) -> None:
    table = SingleTable.for_prefix(client, "race-")
    incidents: Incidents = DynamoIncidents(table)
    outbox: Outbox = DynamoOutbox(table)
    timeline: Timeline = DynamoTimeline(table)
    claims: Claims = DynamoClaims(table)

    alert = make_alert()
    intake = incidents.ingest(alert, Incident.from_alert(alert), make_event())
    assert intake is not None
    incident_id = intake.incident.id
    timeline.add_timeline(TimelineEntry(incident_id=incident_id, author="U1", text="hi"))

    assert [e.text for e in timeline.list_timeline(incident_id)] == ["hi"]
    assert [e.event_id for e in outbox.pending_outbox(older_than=T0.replace(year=2100))] == [
        intake.outbox.event_id
    ]
    assert claims.claim("k", "me") and not claims.claim("k", "you")
    # the combined store sees what the separate adapters wrote: one table underneath
    store = DynamoIncidentStore(client, "race-")
    assert store.get(incident_id) == incidents.get(incident_id)
    assert store.table == table.name == "race-incidents"
