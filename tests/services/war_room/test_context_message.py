"""The context message carries the incident's facts, escapes alert text, and fits Block Kit."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.models import AlertSource, Incident, Link, Role
from bot.domain.severity import Severity
from bot.services.war_room.context_message import incident_context_view
from bot.services.war_room.room_steps.topic import purpose_for, topic_for
from bot.slack.blocks.render import render_message


def render_context(incident: Incident) -> list[dict[str, Any]]:
    return render_message(incident_context_view(incident)).blocks


def context_text(incident: Incident) -> str:
    return render_message(incident_context_view(incident)).text


def _incident() -> Incident:
    return Incident(
        source=AlertSource.ALERTMANAGER,
        group_key="g",
        title="<!channel> checkout 5xx",
        severity=Severity.P1,
        service="checkout",
        team="payments",
        description="error rate " + "x" * 5000,
        links=[Link(title="Runbook", url="https://runbooks.example/checkout")],
        alert_count=3,
        roles={Role.IC: "U123"},
    )


def test_facts_links_and_counts_are_shown() -> None:
    text = json.dumps(render_context(_incident()))
    for fact in ("P1", "checkout", "payments", "alertmanager", "*Alerts*\\n3", "<@U123>"):
        assert fact in text
    assert "<https://runbooks.example/checkout|Runbook>" in text


def test_alert_text_cannot_mention_channel_and_sections_fit_the_limit() -> None:
    blocks = render_context(_incident())
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert all(len(t) <= 3000 for t in sections)
    assert "<!channel>" not in json.dumps(blocks[1:])


def test_topic_and_purpose_stay_under_slacks_250_characters() -> None:
    incident = _incident().model_copy(update={"title": "t" * 400})
    assert len(topic_for(incident)) <= 250 and len(purpose_for(incident)) <= 250
    assert topic_for(_incident()).startswith("P1 · checkout · IC: <@U123>")


def test_header_topic_purpose_and_fallback_escape_the_title_too() -> None:
    incident = _incident().model_copy(update={"service": "<!here>"})
    shown = json.dumps([render_context(incident), context_text(incident)])
    shown += topic_for(incident) + purpose_for(incident)
    assert "<!channel>" not in shown and "<!here>" not in shown
    assert "&lt;!channel&gt; checkout 5xx" in render_context(incident)[0]["text"]["text"]
    assert topic_for(incident).startswith("P1 · &lt;!here&gt; · IC: <@U123>")


def test_a_declared_incident_names_who_declared_it_and_an_alert_cannot_claim_to() -> None:
    declared = _incident().model_copy(
        update={"source": AlertSource.SLACK, "labels": {"declared_by": "U0ALICE"}}
    )
    assert "*Declared by*\\n<@U0ALICE>" in json.dumps(render_context(declared))
    spoofed = _incident().model_copy(update={"labels": {"declared_by": "U0ALICE"}})
    assert "Declared by" not in json.dumps(render_context(spoofed))
