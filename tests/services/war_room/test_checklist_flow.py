"""Ticking the pinned checklist through the action handler, re-posting it, and refusals."""

from __future__ import annotations

import threading

from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.services.war_room.checklist import ChecklistConfig, ChecklistService
from bot.services.war_room.room_commands import repost_checklist
from bot.slack.actions import ActionInvocation
from bot.slack.blocks.checklist import button_value
from bot.slack.checklist_actions import ChecklistActionHandler
from bot.slack.vocabulary import ActionId
from tests.services.war_room.conftest import WarRoomKit


def _room(kit: WarRoomKit) -> tuple[Incident, ChecklistService, ChecklistActionHandler]:
    incident = kit.assembler().assemble(kit.new_incident().id)
    service = ChecklistService(kit.store, kit.audit, kit.slack, ChecklistConfig())
    return incident, service, ChecklistActionHandler(service, kit.store)


def _click(
    kit: WarRoomKit, incident: Incident, item: str, *, ts: str | None = None
) -> ActionInvocation:
    return ActionInvocation(
        user_id="U0ALICE",
        channel_id=incident.channel_id or "",
        message_ts=ts or incident.checklist_ts or "",
        action_id=ActionId.TICK_CHECKLIST_ITEM.value,
        value=button_value(incident.id, item),
    )


def test_a_click_ticks_the_item_and_rerenders_the_pinned_message(kit: WarRoomKit) -> None:
    incident, _, handler = _room(kit)
    assert handler(_click(kit, incident, "ic_confirmed")) is None

    stored = kit.store.get(incident.id)
    assert stored is not None and stored.checklist["ic_confirmed"].by == "U0ALICE"
    message = kit.sandbox.workspace.channel(incident.channel_id or "").message(
        incident.checklist_ts or ""
    )
    # the room assembled is ticked by marshal itself; the IC item by the click
    assert "2/12 done" in message.text and "<@U0ALICE>" in str(message.blocks)
    ticked = [
        e for e in kit.audit.events(incident.id) if e.action is AuditAction.CHECKLIST_ITEM_TICKED
    ]
    assert ticked[-1].details == {"item": "ic_confirmed", "done": True}

    undo = handler.handle(
        action_id=ActionId.UNTICK_CHECKLIST_ITEM.value,
        value=button_value(incident.id, "ic_confirmed"),
        user_id="U0BOB",
        channel_id=incident.channel_id,
        message_ts=incident.checklist_ts,
    )
    assert undo is None
    again = kit.store.get(incident.id)
    assert again is not None and "ic_confirmed" not in again.checklist


def test_a_reposted_checklist_makes_the_old_message_stale(kit: WarRoomKit) -> None:
    incident, service, handler = _room(kit)
    reply = repost_checklist(
        service, kit.store, channel_id=incident.channel_id, argument="", actor="U0ALICE"
    )
    assert "re-posted and pinned" in reply
    fresh = kit.store.get(incident.id)
    assert fresh is not None and fresh.checklist_ts != incident.checklist_ts
    channel = kit.sandbox.workspace.channel(incident.channel_id or "")
    assert channel.pinned(fresh.checklist_ts or "")

    refusal = handler(_click(kit, incident, "mitigated", ts=incident.checklist_ts))
    assert refusal is not None and "replaced by a newer one" in refusal
    stored = kit.store.get(incident.id)
    assert stored is not None and stored.checklist == {}


def test_a_button_of_another_incident_is_refused(kit: WarRoomKit) -> None:
    incident, _, handler = _room(kit)
    other = kit.new_incident(title="Other outage")
    refusal = handler.handle(
        action_id=ActionId.TICK_CHECKLIST_ITEM.value,
        value=button_value(other.id, "mitigated"),
        user_id="U0ALICE",
        channel_id=incident.channel_id,
        message_ts=incident.checklist_ts,
    )
    assert refusal is not None and "not this room's incident" in refusal
    stored = kit.store.get(other.id)
    assert stored is not None and stored.checklist == {}


def test_concurrent_ticks_from_separate_services_both_land(kit: WarRoomKit) -> None:
    incident, _, _ = _room(kit)
    items = ["ic_confirmed", "severity_assessed", "customer_impact", "mitigated"]
    services = [ChecklistService(kit.store, kit.audit, kit.slack, ChecklistConfig()) for _ in items]
    threads = [
        threading.Thread(target=s.tick, args=(incident.id, item, "U0BOB"))
        for s, item in zip(services, items, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = kit.store.get(incident.id)
    assert stored is not None and set(stored.checklist) == set(items)
