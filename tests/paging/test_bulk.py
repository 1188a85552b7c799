"""`/marshal bulk ack|escalate`: a preview of what the filter matches with Confirm, then one
action and one audit event per incident, once even if Confirm is pressed twice."""

from __future__ import annotations

from bot.commands.base import CommandContext, Outcome
from bot.commands.bulk import BulkCommand
from bot.domain.audit import AuditAction
from bot.domain.severity import Severity
from bot.ports.slack_views import BulkPreview
from bot.services.paging.bulk import BulkPaging
from bot.slack.blocks.render import render_message
from bot.slack.vocabulary import ActionId
from tests.eventually import eventually
from tests.paging.conftest import PagingRig, open_incident


def _ctx(text: str) -> CommandContext:
    return CommandContext("U0BOB", "C0ANY", "/marshal", "bulk", text.split(), text)


def _audited(rig: PagingRig, incident_id: str, action: AuditAction) -> int:
    return sum(1 for e in rig.audit.events(incident_id) if e.action is action)


def test_bulk_ack_previews_then_acknowledges_each_incident_once(paging: PagingRig) -> None:
    processor = paging.processor().start()
    assert paging.incident.channel_id
    second = open_incident(paging.store, paging.incident.channel_id + "b", service="search")
    quiet = open_incident(
        paging.store, paging.incident.channel_id + "c", severity=Severity.P4, title="<!here> hi"
    )

    def paging_started() -> bool:
        found = [paging.store.get(i.id) for i in (paging.incident, second)]
        return all(i is not None and i.escalation is not None for i in found)

    eventually(paging_started)
    bulk = BulkPaging(paging.store, processor.control, owner="test")
    reply = BulkCommand(bulk).run(_ctx("ack severity=P1"))
    assert isinstance(reply.view, BulkPreview)
    assert {row.incident_id for row in reply.view.rows} == {paging.incident.id, second.id}
    rendered = str(render_message(reply.view).blocks)
    assert ActionId.CONFIRM_BULK.value in rendered and quiet.id not in rendered

    answer = bulk.confirm(reply.view.value, "U0BOB")
    assert answer.startswith("Acknowledged 2:")
    assert bulk.confirm(reply.view.value, "U0BOB") == "This bulk action was confirmed already."
    for incident_id in (paging.incident.id, second.id):
        assert _audited(paging, incident_id, AuditAction.PAGE_ACKNOWLEDGED) == 1
    assert _audited(paging, quiet.id, AuditAction.PAGE_ACKNOWLEDGED) == 0


def test_bulk_escalate_pages_each_incidents_next_level(paging: PagingRig) -> None:
    paging.policy = {
        "policies": {
            "slow": {
                "levels": [
                    {"targets": ["pagerduty:R0UTINGKEYPRIMARY"], "after": "1h"},
                    {"targets": ["pagerduty:R0UTINGKEYLEAD"], "after": "1h"},
                ]
            }
        },
        "default": "slow",
    }
    processor = paging.processor().start()

    def level_one_done() -> bool:
        incident = paging.store.get(paging.incident.id)
        return bool(incident and incident.escalation and incident.escalation.next_step == 1)

    eventually(level_one_done)
    bulk = BulkPaging(paging.store, processor.control, owner="test")
    preview = bulk.preview("escalate", ["service=checkout", "status=investigating"])
    assert [r.incident_id for r in preview.rows] == [paging.incident.id]
    assert bulk.confirm(preview.value, "U0BOB").startswith("Escalated 1:")
    eventually(lambda: paging.pagerduty.triggers("R0UTINGKEYLEAD") == 1)
    assert _audited(paging, paging.incident.id, AuditAction.ESCALATED) >= 1


def test_bulk_refuses_what_it_cannot_use(paging: PagingRig) -> None:
    processor = paging.processor()
    command = BulkCommand(BulkPaging(paging.store, processor.control, owner="test"))
    assert command.run(_ctx("")).outcome is Outcome.USAGE
    for text, expected in (
        ("snooze", "the action is ack or escalate"),
        ("ack colour=red", "filters are service="),
        ("ack severity=P9", "'severity=P9'"),
        ("ack age=forever", "'age=forever'"),
        ("ack service=nothing-here", "no open incident matches"),
    ):
        reply = command.run(_ctx(text))
        assert reply.outcome is Outcome.FAILED and expected in reply.text, text
