"""The gateway renders views at the edge: what Slack receives is the renderer's output, and
marshal's own text still goes alone, with no blocks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.domain.models import StatusPageDraft
from bot.ports.slack_views import (
    ChecklistRow,
    ChecklistView,
    Mrkdwn,
    ReminderView,
    StatusDraftClosed,
)
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from bot.slack.blocks.render import render_message
from bot.slack.gateway import WebClientSlackGateway, build_web_client

AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _last(control: SandboxControl, method: str) -> dict[str, Any]:
    args: dict[str, Any] = dict(control.calls(method)[-1]["args"])
    if isinstance(args.get("blocks"), str):
        args["blocks"] = json.loads(args["blocks"])
    return args


def test_views_reach_slack_rendered_and_text_reaches_it_alone(sandbox: SandboxSlack) -> None:
    gateway = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    control = SandboxControl(sandbox.url)
    channel = gateway.create_private_channel("gateway-views")
    gateway.invite(channel.id, ["U0ALICE"])

    checklist = ChecklistView(
        "inc-1", "<!channel> db", (ChecklistRow("mitigated", "Mitigated", "U0ALICE", AT),)
    )
    ts = gateway.post_message(channel.id, checklist)
    posted = _last(control, "chat.postMessage")
    expected = render_message(checklist)
    assert (posted["text"], posted["blocks"]) == (expected.text, expected.blocks)
    assert "<!channel>" not in json.dumps(posted)

    draft = StatusPageDraft(incident_id="inc-1", title="t", body="b", drafted_by="U0ALICE")
    closed = StatusDraftClosed(draft, Mrkdwn(":no_entry: Rejected."))
    gateway.update_message(channel.id, ts, closed)
    updated = _last(control, "chat.update")
    assert updated["blocks"] == render_message(closed).blocks

    gateway.send_dm("U0ALICE", ReminderView(Mrkdwn("*Postmortem* due")))
    assert _last(control, "chat.postMessage")["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": ":bell: *Postmortem* due"}}
    ]

    gateway.post_message(channel.id, "just words")
    plain = _last(control, "chat.postMessage")
    assert plain["text"] == "just words" and "blocks" not in plain
