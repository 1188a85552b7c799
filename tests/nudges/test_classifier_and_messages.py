"""The heuristic update classifier and the Block Kit round trip of the Post update modal."""

from typing import Any

import pytest

from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident, Role
from bot.domain.severity import Severity
from bot.services.nudges.classifier import HeuristicStatusUpdateClassifier
from bot.services.nudges.messages import nudge_view, status_update_modal
from bot.services.nudges.silence import SilenceLength
from bot.slack.blocks.nudge import read_status_update
from bot.slack.blocks.render import render_message, render_modal
from bot.slack.vocabulary import START_DRAFT_OPTION, ActionId, InputId, ViewId


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Update: we rolled back the 14:02 deploy, error rate falling", True),
        ("Mitigated by failing over to the secondary region.", True),
        ("Root cause looks like the cert expiry on the LB", True),
        ("ETA for the fix is about 20 minutes from now", True),
        ("update?", False),  # too short to be one
        ("anyone around who knows the billing service well?", False),
        ("I'll grab a coffee and be back in five minutes or so", False),
    ],
)
def test_heuristic_classifier(text: str, expected: bool) -> None:
    assert HeuristicStatusUpdateClassifier().is_status_update(text) is expected


def room(**changes: object) -> Incident:
    base = Incident(
        source=AlertSource.GENERIC,
        group_key="g",
        title="API down",
        severity=Severity.P1,
        status=IncidentStatus.INVESTIGATING,
        channel_id="C1",
        oncall=["U1", "ops@example.com"],
    )
    return base.model_copy(update=changes)


def test_nudge_names_the_ic_or_asks_for_one() -> None:
    no_ic = render_message(nudge_view(room(), every="15m", command="/marshal"))
    assert "no IC yet — claim it with `/marshal role ic`" in no_ic.text
    incident = room(roles={Role.IC: "U9"})
    with_ic = render_message(nudge_view(incident, every="15m", command="/marshal"))
    assert "<@U9>" in with_ic.text
    buttons = [e for b in with_ic.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ActionId.NUDGE_POST_UPDATE.value, incident.id),
        (ActionId.NUDGE_SILENCE.value, incident.id),
    ]


def test_modal_round_trip() -> None:
    incident = room()
    view = render_modal(status_update_modal(incident, can_draft=True))
    assert view["callback_id"] == ViewId.NUDGE_STATUS_UPDATE.value
    assert view["private_metadata"] == incident.id
    submitted: dict[str, Any] = {
        "private_metadata": incident.id,
        "state": {
            "values": {
                InputId.STATUS_UPDATE_TEXT.value: {
                    InputId.STATUS_UPDATE_TEXT.value: {
                        "type": "plain_text_input",
                        "value": " fixed ",
                    }
                },
                InputId.STATUS_UPDATE_DRAFT.value: {
                    InputId.STATUS_UPDATE_DRAFT.value: {
                        "type": "checkboxes",
                        "selected_options": [{"value": START_DRAFT_OPTION}],
                    }
                },
            }
        },
    }
    parsed = read_status_update(submitted["private_metadata"], submitted["state"]["values"])
    assert (parsed.incident_id, parsed.text, parsed.start_draft) == (incident.id, "fixed", True)
    without = render_modal(status_update_modal(incident, can_draft=False))
    assert [b["block_id"] for b in without["blocks"]] == [InputId.STATUS_UPDATE_TEXT.value]


def test_silence_lengths() -> None:
    assert SilenceLength.parse("30m").seconds == 1800
    assert SilenceLength.parse("2h").seconds == 7200
    assert SilenceLength.parse("until-resolved").seconds is None
    with pytest.raises(ValueError, match="not a duration"):
        SilenceLength.parse("forever")
