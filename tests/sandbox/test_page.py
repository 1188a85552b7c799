"""The sandbox page shows messages as Slack does and offers the controls a person would use."""

from __future__ import annotations

import json
import urllib.request

from slack_sdk import WebClient

from bot.sandbox.mrkdwn import Mrkdwn
from bot.sandbox.server import SandboxSlack
from tests.sandbox.conftest import BoltHarness

NAMES = Mrkdwn({"U0ALICE": "alice"}, {"C0INCIDENTS": "incidents"}, {"S0ONCALL": "oncall"})


def test_mrkdwn_renders_names_links_emoji_and_formatting() -> None:
    html = NAMES.render(
        "*IC:* <@U0ALICE> in <#C0INCIDENTS> for <!subteam^S0ONCALL> :rotating_light:\n"
        "_see_ <https://grafana.example/d/1?a=1&amp;b=2|the dashboard> ~old~ `x<y` &amp; more"
    )
    assert html == (
        '<b>IC:</b> <span class="mention">@alice</span> in <span class="mention">#incidents'
        '</span> for <span class="mention">@oncall</span> 🚨<br><i>see</i> <a href="https://'
        'grafana.example/d/1?a=1&amp;b=2" rel="noopener noreferrer" target="_blank">the '
        "dashboard</a> <s>old</s> <code>x&lt;y</code> &amp; more"
    )


def test_mrkdwn_never_lets_markup_through() -> None:
    hostile = "<javascript:alert(1)|click> &lt;img src=x onerror=alert(1)&gt; <b>*x*</b>"
    html = NAMES.render(hostile)
    assert "<img" not in html and "javascript:" not in html.replace("&lt;javascript:", "")
    assert "<b>x</b>" in html  # only marshal's bold, the typed tag is text
    assert "&lt;b&gt;" in html


def test_the_page_has_enabled_buttons_selects_and_a_command_box(
    web: WebClient, sandbox: SandboxSlack
) -> None:
    web.chat_postMessage(
        channel="C0TRIAGE",
        text="fallback",
        blocks=[
            {"type": "header", "text": {"type": "plain_text", "text": "Incident :fire:"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Status:* investigating"},
                "fields": [{"type": "mrkdwn", "text": "*IC*\n<@U0ALICE>"}],
            },
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "approve",
                        "value": "d1",
                        "style": "primary",
                        "text": {"type": "plain_text", "text": "Approve"},
                    },
                    {
                        "type": "overflow",
                        "action_id": "more",
                        "options": [
                            {"text": {"type": "plain_text", "text": "Skip"}, "value": "skip"}
                        ],
                    },
                ],
            },
        ],
    )
    with urllib.request.urlopen(f"{sandbox.url}/", timeout=5) as response:
        page = response.read().decode()
    assert '<div class="header">Incident 🔥</div>' in page
    assert "<b>Status:</b> investigating" in page
    assert '<b>IC</b><br><span class="mention">@alice</span>' in page
    assert 'data-action="approve" data-value="d1">Approve</button>' in page
    assert "disabled>Approve" not in page
    assert '<option value="skip">Skip</option>' in page
    assert '<form class="command" data-channel="C0TRIAGE">' in page
    assert '<option value="U0ALICE">alice</option>' in page


def test_a_modal_opened_for_a_person_shows_on_the_page_until_submitted(
    bolt: BoltHarness, sandbox: SandboxSlack
) -> None:
    bolt.control.run_command("U0BOB", "C0TRIAGE", "declare")  # the app opens a modal for Bob
    [opened] = [v for v in sandbox.workspace.snapshot()["open_views"] if v["user"] == "U0BOB"]
    view_id = opened["view"]["id"]
    page = _page(sandbox)
    assert f'<section class="modal" data-view="{view_id}" data-user="U0BOB">' in page
    assert 'data-block="title" data-action="title_input" data-type="plain_text_input"' in page
    assert '<button class="submit-view">Declare</button>' in page

    refused = bolt.control.submit_view(
        "U0BOB", view_id, {"title": {"title_input": {"type": "plain_text_input", "value": " "}}}
    )
    assert refused.ack_payload and refused.ack_payload["response_action"] == "errors"
    assert f'data-view="{view_id}"' in _page(sandbox)  # still open, as in Slack
    bolt.control.submit_view(
        "U0BOB", view_id, {"title": {"title_input": {"type": "plain_text_input", "value": "x"}}}
    )
    assert f'data-view="{view_id}"' not in _page(sandbox)


def _page(sandbox: SandboxSlack) -> str:
    with urllib.request.urlopen(f"{sandbox.url}/", timeout=5) as response:
        return str(response.read().decode())


def test_the_page_shows_the_sandbox_pagers_pages(sandbox: SandboxSlack) -> None:
    def enqueue(action: str, key: str, summary: str) -> None:
        event = {
            "routing_key": key,
            "event_action": action,
            "dedup_key": "inc-drill-1",
            "payload": {"summary": summary, "source": "marshal", "severity": "critical"},
        }
        request = urllib.request.Request(
            f"{sandbox.url}/pagerduty/v2/enqueue",
            data=json.dumps(event).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 202

    enqueue("trigger", "SANDBOX-PRIMARY", "P1 <b>checkout</b> down")
    enqueue("trigger", "SANDBOX-LEAD", "P1 <b>checkout</b> down")
    enqueue("acknowledge", "SANDBOX-PRIMARY", "P1 <b>checkout</b> down")
    with urllib.request.urlopen(f"{sandbox.url}/", timeout=5) as response:
        html = response.read().decode()
    section = html[html.index('id="pager"') :]
    assert section.index("SANDBOX-PRIMARY") < section.index("SANDBOX-LEAD")
    assert "<td>acknowledge</td>" in section and "inc-drill-1" in section
    assert "<b>checkout</b>" not in html and "&lt;b&gt;checkout&lt;/b&gt;" in section
