"""The sandbox page shows messages as Slack does and offers the controls a person would use."""

from __future__ import annotations

import urllib.request

from slack_sdk import WebClient

from bot.sandbox.mrkdwn import Mrkdwn
from bot.sandbox.server import SandboxSlack

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
