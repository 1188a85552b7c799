"""The checklist message: one button per item, values that survive restarts, per-severity items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.domain.models import AlertSource, ChecklistTick, Incident
from bot.domain.severity import Severity
from bot.services.war_room.checklist import (
    DEFAULT_ITEMS,
    ChecklistConfig,
    ChecklistItem,
    StaleChecklistAction,
    checklist_view,
)
from bot.slack.blocks.checklist import button_value, parse_button_value
from bot.slack.blocks.render import render_message
from bot.slack.vocabulary import ActionId


def _incident(**changes: Any) -> Incident:
    base = Incident(
        source=AlertSource.GENERIC, group_key="g", title="DB down", severity=Severity.P1
    )
    return base.model_copy(update=changes)


def render_checklist(incident: Incident, items: Sequence[ChecklistItem]) -> list[dict[str, Any]]:
    return render_message(checklist_view(incident, items)).blocks


def _buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in blocks if "accessory" in b]


def test_every_default_item_has_a_tick_button_carrying_incident_and_item() -> None:
    incident = _incident()
    buttons = _buttons(render_checklist(incident, DEFAULT_ITEMS))
    assert len(buttons) == len(DEFAULT_ITEMS) == 11
    assert {b["action_id"] for b in buttons} == {ActionId.TICK_CHECKLIST_ITEM.value}
    assert [parse_button_value(b["value"]) for b in buttons] == [
        (incident.id, item.key) for item in DEFAULT_ITEMS
    ]


def test_a_ticked_item_shows_who_and_offers_undo() -> None:
    at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    incident = _incident(checklist={"ic_confirmed": ChecklistTick(by="U1", at=at)})
    blocks = render_checklist(incident, DEFAULT_ITEMS)
    row = next(b for b in blocks if b.get("block_id") == "checklist.ic_confirmed")
    assert "<@U1>" in row["text"]["text"] and "03:04" in row["text"]["text"]
    assert row["accessory"]["action_id"] == ActionId.UNTICK_CHECKLIST_ITEM.value
    assert "1/11 done" in blocks[0]["text"]["text"]


def test_severity_specific_items_override_the_default() -> None:
    config = ChecklistConfig.from_mapping({"P3": [{"key": "triaged", "label": "Triaged"}]})
    assert [i.key for i in config.items_for(Severity.P3)] == ["triaged"]
    assert config.items_for(Severity.P1) == list(DEFAULT_ITEMS)


def test_bad_button_values_and_item_keys_are_refused() -> None:
    with pytest.raises(StaleChecklistAction):
        parse_button_value("no-separator")
    with pytest.raises(ValueError, match="key"):
        ChecklistItem(key="Has Spaces", label="x")
    assert parse_button_value(button_value("inc-1", "mitigated")) == ("inc-1", "mitigated")
