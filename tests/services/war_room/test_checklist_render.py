"""The checklist message: a "Mark done" and an "Undo" menu instead of a button per item,
values that survive restarts, what marshal knows ticked by itself, per-severity items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.domain.errors import ConfigurationError
from bot.domain.models import AlertSource, ChecklistTick, Incident, Role
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
from bot.wiring.war_room import checklist_config


def _incident(**changes: Any) -> Incident:
    base = Incident(
        source=AlertSource.GENERIC, group_key="g", title="DB down", severity=Severity.P1
    )
    return base.model_copy(update=changes)


def render_checklist(incident: Incident, items: Sequence[ChecklistItem]) -> list[dict[str, Any]]:
    return render_message(checklist_view(incident, items)).blocks


def _menus(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def test_one_menu_lists_every_open_item_with_incident_and_item_not_a_wall_of_buttons() -> None:
    incident = _incident()
    blocks = render_checklist(incident, DEFAULT_ITEMS)
    assert not [b for b in blocks if "accessory" in b]
    menus = _menus(blocks)
    assert list(menus) == [ActionId.TICK_CHECKLIST_ITEM.value]  # nothing to undo yet
    options = menus[ActionId.TICK_CHECKLIST_ITEM.value]["options"]
    assert [parse_button_value(o["value"]) for o in options] == [
        (incident.id, item.key) for item in DEFAULT_ITEMS
    ]


def test_a_ticked_item_shows_who_and_can_be_undone() -> None:
    at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    incident = _incident(checklist={"customer_impact": ChecklistTick(by="U1", at=at)})
    blocks = render_checklist(incident, DEFAULT_ITEMS)
    shown = str(blocks)
    assert "~Customer impact identified~  <@U1> 03:04 UTC" in shown
    undo = _menus(blocks)[ActionId.UNTICK_CHECKLIST_ITEM.value]["options"]
    assert [parse_button_value(o["value"])[1] for o in undo] == ["customer_impact"]
    assert f"1/{len(DEFAULT_ITEMS)} done" in blocks[0]["text"]["text"]


def test_what_marshal_knows_is_ticked_by_marshal_and_not_undoable() -> None:
    at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    incident = _incident(
        assembled_at=at, roles={Role.IC: "U1"}, last_status_update_at=at, mitigated_at=at
    )
    view = checklist_view(incident, DEFAULT_ITEMS)
    by_marshal = {row.key for row in view.rows if row.ticked_by == "marshal"}
    assert by_marshal == {"war_room_assembled", "ic_confirmed", "first_status_update", "mitigated"}
    menus = _menus(render_message(view).blocks)
    assert ActionId.UNTICK_CHECKLIST_ITEM.value not in menus
    options = menus[ActionId.TICK_CHECKLIST_ITEM.value]["options"]
    open_keys = [parse_button_value(o["value"])[1] for o in options]
    assert "mitigated" not in open_keys and "customer_impact" in open_keys


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


def test_the_checklist_file_sets_items_per_severity(tmp_path: Path) -> None:
    path = tmp_path / "checklist.yaml"
    path.write_text("P1:\n  - {key: page_exec, label: Page the exec on call}\n")
    config = checklist_config(path)
    assert [i.key for i in config.items_for(Severity.P1)] == ["page_exec"]
    assert config.items_for(Severity.P2) == list(DEFAULT_ITEMS)


def test_a_bad_checklist_file_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "checklist.yaml"
    path.write_text("P1:\n  - {key: Has Spaces, label: x}\n")
    with pytest.raises(ConfigurationError, match="MARSHAL_CHECKLIST_FILE"):
        checklist_config(path)
    path.write_text("- just a list\n")
    with pytest.raises(ConfigurationError, match="MARSHAL_CHECKLIST_FILE"):
        checklist_config(path)
