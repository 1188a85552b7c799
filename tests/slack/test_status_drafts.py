"""`/marshal status draft` and its buttons, end to end: the real Bolt app over the sandbox
Slack, a temp SQLite store, and the fake Statuspage server as the public status page."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.commands.base import CommandContext, Outcome
from bot.commands.status import StatusCommand
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Alert, AlertSource, Incident
from bot.domain.severity import Severity
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.slack.blocks.status_draft import DraftRef
from bot.slack.status_review import STALE
from bot.slack.vocabulary import ActionId, InputId
from bot.wiring.slack import SlackFeatures
from bot.wiring.stores import build_audit_log, build_store
from tests.eventually import eventually
from tests.fakes.statuspage import FakeStatuspage, Fault, running_statuspage
from tests.slack.conftest import Harness, start_sandbox_slack

DRAFTER, APPROVER, BYSTANDER = "U0DAVE", "U0CAROL", "U0BOB"


@pytest.fixture(scope="module")
def public_page() -> Iterator[FakeStatuspage]:
    with running_statuspage() as fake:
        yield fake


@pytest.fixture(scope="module")
def harness(
    sandbox: SandboxSlack,
    public_page: FakeStatuspage,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Harness]:
    settings = Settings(
        marshal_db_path=tmp_path_factory.mktemp("status") / "marshal.db",
        marshal_approvers=[DRAFTER, APPROVER],
        statuspage_api_url=public_page.url,
        statuspage_api_key=public_page.api_key,
        statuspage_page_id=public_page.page_id,
    )
    store, audit = build_store(settings), build_audit_log(settings)

    def submit_alert(alert: Alert) -> Incident:
        raise AssertionError("not used here")

    side, running = start_sandbox_slack(
        sandbox, settings, store, audit, SlackFeatures(submit_alert)
    )
    eventually(lambda: sandbox.hub.connection_count > 0)
    yield Harness(sandbox, SandboxControl(sandbox.url), store, audit, side, running)
    running.stop()


def p1_room(harness: Harness, title: str) -> Incident:
    room = harness.war_room(title=title)
    return harness.store.update(
        room.model_copy(update={"severity": Severity.P1}), expected_version=room.version
    )


def draft_messages(harness: Harness, channel: str) -> list[dict[str, Any]]:
    return [
        m
        for m in harness.control.channel(channel)["messages"]
        if str(m.get("text", "")).startswith("Status page draft")
    ]


def button_value(message: dict[str, Any], action_id: ActionId) -> str:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id.value:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button on the message")


def has_buttons(message: dict[str, Any]) -> bool:
    return any(b.get("type") == "actions" for b in message.get("blocks") or [])


def press(
    harness: Harness,
    user: str,
    channel: str,
    message: dict[str, Any],
    action: ActionId,
    value: str | None = None,
) -> None:
    delivered = harness.control.press_button(
        user, channel, str(message["ts"]), action.value, value=value
    )
    assert delivered.acked


def test_draft_approve_publish_with_the_two_person_rule(
    harness: Harness, public_page: FakeStatuspage
) -> None:
    room = p1_room(harness, "payments failing")
    channel = str(room.channel_id)
    reply = harness.reply_text(DRAFTER, channel, "status draft We're looking into failed payments.")
    assert "posted below for review" in reply
    [message] = draft_messages(harness, channel)
    approve = button_value(message, ActionId.APPROVE_STATUS_DRAFT)
    ref = DraftRef.parse(approve)
    assert ref is not None and ref.version == 0
    confirm = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])[
        "confirm"
    ]
    assert confirm["confirm"]["text"] == "Publish"

    press(harness, DRAFTER, channel, message, ActionId.APPROVE_STATUS_DRAFT)
    eventually(lambda: any("two-person rule" in t for t in harness.ephemerals(channel, DRAFTER)))
    press(harness, BYSTANDER, channel, message, ActionId.APPROVE_STATUS_DRAFT)
    eventually(lambda: any("may not" in t for t in harness.ephemerals(channel, BYSTANDER)))
    assert public_page.incidents() == []

    press(harness, APPROVER, channel, message, ActionId.APPROVE_STATUS_DRAFT)
    said = eventually(
        lambda: [
            m["text"]
            for m in harness.control.channel(channel)["messages"]
            if str(m.get("text", "")).startswith("Status page updated")
        ]
    )
    [public] = [i for i in public_page.incidents() if i["name"] == "payments failing"]
    assert public["shortlink"] in said[0]
    assert public["incident_updates"][0]["body"] == "We're looking into failed payments."
    [closed] = draft_messages(harness, channel)
    assert not has_buttons(closed)


_FENCED = re.compile(r"```\n(.*?)\n```", re.DOTALL)


def shown(message: dict[str, Any]) -> tuple[str, str]:
    """What a person reads in the review message: the title and body, as Slack draws the
    preformatted blocks (entities decoded, the zero-width fence breakers invisible)."""
    texts = [b["text"]["text"] for b in message["blocks"] if b.get("type") == "section"]
    pieces = [html.unescape(p).replace("\u200b", "") for t in texts for p in _FENCED.findall(t)]
    return pieces[0], "".join(pieces[1:])


def test_the_review_shows_exactly_what_is_published_and_no_markup_of_it(
    harness: Harness, public_page: FakeStatuspage
) -> None:
    """Mentions, links and formatting in a draft are shown as the characters the status
    page gets: no ping, no hidden link target, no bold; and the title is shown too."""
    room = p1_room(harness, "<!channel> checkout & co")
    channel = str(room.channel_id)
    body = "<!here> *Fixed* <http://evil.example|see status> ```x``` & <@U0ALICE>\n" + "&" * 900
    harness.run(DRAFTER, channel, f"status draft monitoring {body}")
    [message] = draft_messages(harness, channel)
    raw = json.dumps([message["text"], message["blocks"]])
    for markup in ("<!here", "<!channel", "<http://evil", "<@U0ALICE"):
        assert markup not in raw
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if "text" in b)
    title, shown_body = shown(message)
    assert (title, shown_body) == ("<!channel> checkout & co", body)

    press(harness, APPROVER, channel, message, ActionId.APPROVE_STATUS_DRAFT)
    public = eventually(
        lambda: [i for i in public_page.incidents() if i["name"] == "<!channel> checkout & co"]
    )
    assert public[0]["incident_updates"][0]["body"] == shown_body
    assert public[0]["status"] == "monitoring"


def test_edit_reposts_for_review_and_old_buttons_say_superseded(harness: Harness) -> None:
    room = p1_room(harness, "search slow")
    channel = str(room.channel_id)
    harness.run(DRAFTER, channel, "status draft identified Search is slow for some users.")
    [first] = draft_messages(harness, channel)
    assert "_identified_" in first["blocks"][0]["text"]["text"]
    old_value = button_value(first, ActionId.APPROVE_STATUS_DRAFT)

    views_before = len(harness.control.state()["views"])
    press(harness, BYSTANDER, channel, first, ActionId.EDIT_STATUS_DRAFT)
    views = eventually(lambda: harness.control.state()["views"][views_before:])
    view = views[-1]
    assert view["callback_id"] == "marshal.status_draft.edit_view"
    submitted = harness.control.submit_view(
        BYSTANDER,
        view["id"],
        {
            InputId.STATUS_DRAFT_TEXT.value: {
                InputId.STATUS_DRAFT_TEXT_INPUT.value: {
                    "type": "plain_text_input",
                    "value": "Search is slow.",
                }
            }
        },
    )
    assert submitted.acked and not submitted.raw.get("errors")

    messages = eventually(lambda: m if len(m := draft_messages(harness, channel)) == 2 else None)
    old, new = messages
    assert not has_buttons(old) and "Edited by" in str(old["blocks"])
    # the old text stays, struck through; the new message carries the edit
    assert "~Search is slow for some users.~" in str(old["blocks"])
    assert "Search is slow." in str(new["blocks"])
    assert "version 1." in str(first["blocks"]) and "version 2." in str(new["blocks"])
    new_ref = DraftRef.parse(button_value(new, ActionId.APPROVE_STATUS_DRAFT))
    assert new_ref is not None and new_ref.version == 1

    press(harness, APPROVER, channel, new, ActionId.APPROVE_STATUS_DRAFT, value=old_value)
    eventually(lambda: STALE in harness.ephemerals(channel, APPROVER))


def test_reject_closes_the_draft(harness: Harness, public_page: FakeStatuspage) -> None:
    room = p1_room(harness, "email delayed")
    channel = str(room.channel_id)
    harness.run(DRAFTER, channel, "status draft")
    [message] = draft_messages(harness, channel)
    assert "major outage" in message["text"]
    press(harness, DRAFTER, channel, message, ActionId.REJECT_STATUS_DRAFT)
    eventually(lambda: "Rejected by" in str(draft_messages(harness, channel)[0]["blocks"]))
    assert not [i for i in public_page.incidents() if i["name"] == "email delayed"]


def test_an_empty_edit_is_refused_in_the_modal(harness: Harness) -> None:
    room = p1_room(harness, "login errors")
    channel = str(room.channel_id)
    harness.run(DRAFTER, channel, "status draft Logins fail.")
    [message] = draft_messages(harness, channel)
    views_before = len(harness.control.state()["views"])
    press(harness, BYSTANDER, channel, message, ActionId.EDIT_STATUS_DRAFT)
    view = eventually(lambda: harness.control.state()["views"][views_before:])[-1]
    submitted = harness.control.submit_view(
        BYSTANDER,
        view["id"],
        {
            InputId.STATUS_DRAFT_TEXT.value: {
                InputId.STATUS_DRAFT_TEXT_INPUT.value: {"type": "plain_text_input", "value": " "}
            }
        },
    )
    assert submitted.raw.get("errors") == {
        InputId.STATUS_DRAFT_TEXT.value: "a status-page post needs some text"
    }
    assert len(draft_messages(harness, channel)) == 1


@pytest.mark.slow  # a whole draft, approve and resolve round
def test_the_resolve_flow_resolves_the_same_public_incident(
    harness: Harness, public_page: FakeStatuspage
) -> None:
    drafting = harness.side.drafting  # what the processor hands the resolve flow
    room = p1_room(harness, "api down")
    channel = str(room.channel_id)
    assert drafting.resolve_public_incident(room, DRAFTER) is None
    assert draft_messages(harness, channel) == []

    harness.run(DRAFTER, channel, "status draft The API is down.")
    [first] = draft_messages(harness, channel)
    press(harness, APPROVER, channel, first, ActionId.APPROVE_STATUS_DRAFT)
    eventually(lambda: not has_buttons(draft_messages(harness, channel)[0]))

    resolution = drafting.resolve_public_incident(room, DRAFTER)
    assert resolution is not None
    second = draft_messages(harness, channel)[-1]
    assert "_resolved_" in second["blocks"][0]["text"]["text"]
    press(harness, APPROVER, channel, second, ActionId.APPROVE_STATUS_DRAFT)
    eventually(lambda: not has_buttons(draft_messages(harness, channel)[-1]))
    [public] = [i for i in public_page.incidents() if i["name"] == "api down"]
    assert public["status"] == "resolved" and len(public["incident_updates"]) == 2


def test_status_draft_without_a_gate_says_nothing_was_drafted() -> None:
    incident = Incident(source=AlertSource.GENERIC, group_key="g", title="t", severity=Severity.P2)
    ctx = CommandContext(
        user_id=DRAFTER,
        channel_id="C1",
        command="/marshal",
        name="status",
        args=["draft", "hello"],
        rest="draft hello",
        incident=incident,
    )
    reply = StatusCommand().run(ctx)
    assert reply.outcome is Outcome.FAILED and "nothing was drafted" in reply.text


@pytest.mark.slow  # waits out the page's Retry-After
def test_a_dead_status_page_fails_the_approval_visibly_and_it_stays_retryable(
    harness: Harness, public_page: FakeStatuspage
) -> None:
    room = p1_room(harness, "status page outage drill")
    channel = str(room.channel_id)
    harness.reply_text(DRAFTER, channel, "status draft We are investigating.")
    [message] = draft_messages(harness, channel)
    # every attempt the client makes (4) gets a 503: the status page is down
    public_page.fail_next(*[Fault(status=503, retry_after=1, method="POST") for _ in range(4)])

    press(harness, APPROVER, channel, message, ActionId.APPROVE_STATUS_DRAFT)
    told = eventually(
        lambda: [t for t in harness.ephemerals(channel, APPROVER) if "did not take" in t],
        timeout=60,
    )
    assert "press Approve & Publish again to retry" in told[0]
    assert [i for i in public_page.incidents() if i["name"] == room.title] == []
    [shown] = draft_messages(harness, channel)
    assert has_buttons(shown)  # still open for approval, not closed as failed
    assert "Publishing failed" in json.dumps(shown["blocks"])

    press(harness, APPROVER, channel, shown, ActionId.APPROVE_STATUS_DRAFT)
    eventually(
        lambda: any(
            str(m.get("text", "")).startswith("Status page updated")
            for m in harness.control.channel(channel)["messages"]
        ),
        timeout=30,
    )
    assert len([i for i in public_page.incidents() if i["name"] == room.title]) == 1


def test_a_template_draft_starts_from_the_incidents_current_state(harness: Harness) -> None:
    room = harness.war_room(title="search degraded")
    stored = harness.store.update(
        room.model_copy(update={"status": IncidentStatus.IDENTIFIED}),
        expected_version=room.version,
    )
    channel = str(stored.channel_id)
    assert "posted below for review" in harness.reply_text(DRAFTER, channel, "status draft")
    [message] = draft_messages(harness, channel)
    shown = str(message["blocks"])
    assert "We have identified the cause" in shown and "We are investigating" not in shown
