"""One vocabulary: every id a button or modal carries is in bot/slack/vocabulary.py, spelled
exactly as in messages already posted, and the renderers emit no id from anywhere else."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bot
from bot.slack.vocabulary import RATE_ACTIONS, ActionId, InputId, ViewId
from tests.slack.test_blocks_golden import rendered_fixtures

ROOT = Path(bot.__file__).resolve().parent
VOCABULARY = ROOT / "slack" / "vocabulary.py"
# marshal.<area>.<verb>: the shape of every action and callback id marshal has posted
_ID = re.compile(r"^marshal\.[a-z_]+\.[a-z_0-9.]+$")

# Posted messages carry these strings; changing one strands every button already in Slack.
POSTED_IDS = {
    "marshal.incident.acknowledge",
    "marshal.status_draft.approve",
    "marshal.status_draft.edit",
    "marshal.status_draft.reject",
    "marshal.checklist.tick",
    "marshal.checklist.untick",
    "marshal.nudge.post_update",
    "marshal.nudge.silence",
    "marshal.incident.resolve",
    "marshal.incident.rate.1",
    "marshal.incident.rate.2",
    "marshal.incident.rate.3",
    "marshal.incident.rate.4",
    "marshal.incident.rate.5",
    "marshal.followup.done",
    "marshal.followup.not_doing",
    "marshal.followup.accept",
    "marshal.runbook.confirm",
    "marshal.runbook.cancel",
    "marshal.page.acknowledge",
    "marshal.bulk.confirm",
    "marshal.bulk.cancel",
    "marshal.incident.join",
}
POSTED_VIEWS = {
    "marshal.status_draft.edit_view",
    "marshal.nudge.status_update",
    "marshal.followup.not_doing_view",
}
POSTED_INPUTS = {
    "status_update_text",
    "status_update_draft",
    "status_draft_text",
    "text",
    "followup_reason",
}


def test_ids_are_spelled_as_in_messages_already_posted() -> None:
    assert {a.value for a in ActionId} == POSTED_IDS
    assert {v.value for v in ViewId} == POSTED_VIEWS
    assert {i.value for i in InputId} == POSTED_INPUTS
    assert [a.value for a in RATE_ACTIONS] == [f"marshal.incident.rate.{n}" for n in range(1, 6)]


def test_no_id_is_spelled_outside_the_vocabulary() -> None:
    """A second enum or a literal elsewhere would let two spellings drift apart."""
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if path == VOCABULARY or path.is_relative_to(ROOT / "sandbox"):
            continue  # the sandbox is a fake Slack: it has no ids of its own
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Constant):
                continue
            if isinstance(node.value, str) and _ID.match(node.value):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    assert offenders == []


def _ids(value: Any, key: str) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key and isinstance(v, str):
                yield v
            yield from _ids(v, key)
    elif isinstance(value, list):
        for item in value:
            yield from _ids(item, key)


def test_every_rendered_button_and_modal_uses_a_vocabulary_id() -> None:
    rendered = rendered_fixtures()
    buttons = set(_ids(rendered, "action_id"))
    callbacks = set(_ids(rendered, "callback_id"))
    known = {a.value for a in ActionId} | {i.value for i in InputId}
    assert buttons and buttons <= known
    assert callbacks == {v.value for v in ViewId}
