"""Hostile text everywhere, end to end through `marshal up`: nothing that came from an alert, a
person or a draft reaches Slack as markup (DESIGN.md: nothing from an alert can mention a
person or a group).

The alert's title, description, service, team, labels and link titles, the notes, a declared
incident, draft and edited draft texts, a status update, bad role/severity/report/invite
arguments and the resolve summary all carry `<!channel>`, `<!here>`, `<!subteam^…>`,
`<@…>`, `<#…>` and `<http…|…>`. Then every Web API call, ack body and response-URL post the
sandbox recorded is walked by `find_raw_markup` (bot/sandbox/raw_markup.py), which any other
test can apply to its own recorded calls the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.call_log import REPLY_ACK, REPLY_RESPONSE_URL
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.raw_markup import find_raw_markup, known_ids
from bot.slack.vocabulary import ActionId, InputId
from tests.e2e.conftest import MarshalProcess, start_marshal
from tests.eventually import eventually
from tests.fakes.statuspage import running_statuspage
from tests.web.conftest import Ingress

pytestmark = pytest.mark.slow  # runs marshal in subprocesses

# Ids no workspace has and a link target nobody would make: any of them inside a control
# sequence can only have come from the input.
PLANTED = ("S0EVIL", "U0EVIL", "C0EVIL", "evil.example")
HOSTILE = (
    "<!channel> <!here> <!subteam^S0EVIL|@all> <@U0EVIL> <#C0EVIL> <http://evil.example|click>"
)
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"


def _alert(key: str, severity: str) -> bytes:
    return json.dumps(
        {
            "dedup_key": key,
            "status": "firing",
            "title": f"Checkout down {HOSTILE}",
            "severity": severity,
            "service": "<!here>",
            "team": "<@U0EVIL>",
            "description": f"Replica lag. {HOSTILE} & more",
            "links": [{"title": HOSTILE, "url": "https://runbooks.example.org/lag"}],
            "labels": {"region": HOSTILE},
        }
    ).encode()


def _room(slack: SandboxControl, suffix: str) -> dict[str, Any] | None:
    rooms = [c for c in slack.state()["channels"] if c["name"].startswith(f"inc-{suffix}")]
    return rooms[0] if rooms else None


def _with_button(channel: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    for message in reversed(channel["messages"]):
        for block in message.get("blocks") or []:
            if any(e.get("action_id") == action_id for e in block.get("elements") or []):
                return dict(message)
    return None


def _press(slack: SandboxControl, user: str, room: str, action_id: str) -> dict[str, Any]:
    message = eventually(lambda: _with_button(slack.channel(room), action_id), timeout=30)
    assert slack.press_button(user, room, message["ts"], action_id).acked
    return message


def _new_view(slack: SandboxControl, before: int) -> dict[str, Any]:
    views: list[dict[str, Any]] = eventually(lambda: slack.state()["views"][before:], timeout=30)
    return views[-1]


def _drive(marshal: MarshalProcess, slack: SandboxControl) -> str:
    """The whole life of a hostile incident; returns its room id."""
    ingress = Ingress(marshal.url, backends=None)  # type: ignore[arg-type]
    accepted = ingress.post("generic", _alert("hostile-p1", "P1"))
    assert accepted.status == 202
    assert ingress.post("generic", _alert("hostile-p4", "P4")).status == 202  # triage
    room = str(
        eventually(lambda: _room(slack, accepted.body["incident_id"][-6:]), timeout=30)["id"]
    )
    eventually(
        lambda: _with_button(slack.channel(room), ActionId.NUDGE_POST_UPDATE.value), timeout=30
    )

    for text in (
        f"invite <@{ALICE}> <@{BOB}> <@{CAROL}>",
        f"note {HOSTILE}",
        "role ic <!channel>",
        "role ic",
        "severity <!here>",
        "silence <!channel>",
        "role comms <@U0EVIL>",
        "severity P1",
        "invite <!channel> <@U0EVIL>",
        "report <!channel>",
        "<!channel>",
        "timeline",
        "status",
        "list --all",
        "report 7d",
        f"status draft {HOSTILE}",
    ):
        assert slack.run_command(ALICE, room, text).acked, text
    assert slack.run_command(BOB, "C0INCIDENTS", f"declare {HOSTILE} --service <!here>").acked
    said = slack.post_message(BOB, room, f"Failed over. {HOSTILE}")
    slack.react(ALICE, room, said, "pushpin")

    views = len(slack.state()["views"])
    _press(slack, ALICE, room, ActionId.NUDGE_POST_UPDATE.value)
    update = _new_view(slack, views)
    field = InputId.STATUS_UPDATE_TEXT.value
    values = {field: {field: {"type": "plain_text_input", "value": f"Update {HOSTILE}"}}}
    assert slack.submit_view(ALICE, update["id"], values).acked

    _press(slack, ALICE, room, ActionId.APPROVE_STATUS_DRAFT.value)  # the IC, not an approver
    views = len(slack.state()["views"])
    _press(slack, BOB, room, ActionId.EDIT_STATUS_DRAFT.value)
    edit = _new_view(slack, views)
    edited = {
        InputId.STATUS_DRAFT_TEXT.value: {
            InputId.STATUS_DRAFT_TEXT_INPUT.value: {
                "type": "plain_text_input",
                "value": f"Edit {HOSTILE}",
            }
        }
    }
    assert slack.submit_view(BOB, edit["id"], edited).acked
    eventually(
        lambda: "Edit &lt;!channel&gt;" in json.dumps(slack.channel(room)["messages"][-1]),
        timeout=30,
    )
    _press(slack, CAROL, room, ActionId.APPROVE_STATUS_DRAFT.value)
    eventually(
        lambda: any("Status page updated" in m["text"] for m in slack.channel(room)["messages"]),
        timeout=30,
    )

    assert slack.run_command(ALICE, room, f"resolve {HOSTILE}").acked
    eventually(lambda: slack.channel(room).get("is_archived"), timeout=60)
    return room


def test_no_input_reaches_slack_as_markup_anywhere(tmp_path: Path) -> None:
    with running_statuspage() as statuspage:
        marshal = start_marshal(
            tmp_path,
            MARSHAL_ANNOUNCE_CHANNEL="incidents",
            MARSHAL_TRIAGE_CHANNEL="triage",
            MARSHAL_APPROVERS=CAROL,
            MARSHAL_NUDGE_INTERVAL="P1=1s,P2=1s,P3=1s,P4=1s,P5=1s",
            MARSHAL_REMINDER_IC_UNCLAIMED="1s",
            MARSHAL_ARCHIVE_AFTER="0",  # archived at once, as the drive waits for it
            STATUSPAGE_API_URL=statuspage.url,
            STATUSPAGE_API_KEY=statuspage.api_key,
            STATUSPAGE_PAGE_ID=statuspage.page_id,
        )
        try:
            slack = SandboxControl(marshal.sandbox_url)
            room = _drive(marshal, slack)
            calls = slack.calls()
            state = slack.state()
        finally:
            code, _ = marshal.stop()
            marshal.close()
        assert code == 0
        published = statuspage.incidents()

    # The flow reached every surface, with the hostile text in it (escaped).
    methods = {c["method"] for c in calls}
    for method in (
        "conversations.setTopic",
        "conversations.setPurpose",
        "bookmarks.add",
        "views.open",
        "chat.update",
        REPLY_ACK,
        REPLY_RESPONSE_URL,
    ):
        assert method in methods, method
    posted = json.dumps([c["args"] for c in calls if c["method"] == "chat.postMessage"])
    for surface in ("Status update due", "Checklist for", "resolved by", "Postmortem written"):
        assert surface in posted, surface
    assert posted.count("&lt;!channel&gt;") > 10
    assert published and published[0]["incident_updates"][0]["body"] == f"Edit {HOSTILE}"
    assert any(c["id"] == room for c in state["channels"])

    findings = find_raw_markup(calls, known_ids=known_ids(state), hostile=PLANTED)
    assert findings == [], "\n".join(str(f) for f in findings)
