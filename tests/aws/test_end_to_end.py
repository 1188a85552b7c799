"""One alert, end to end, on what the CloudFormation stack created: `marshal up` on DynamoDB +
SQS FIFO, its webhook secret read from the stack's Secrets Manager secret, the sandbox Slack."""

from __future__ import annotations

from collections.abc import Callable

import boto3
import pytest

from bot.domain.models import Incident
from bot.sandbox.control_client import SandboxControl
from tests.aws.conftest import aws_env, generic_alert, incident_store, post_webhook
from tests.aws.stack import Stack
from tests.e2e.conftest import MarshalProcess
from tests.eventually import eventually

pytestmark = pytest.mark.slow  # runs marshal in subprocesses

STACK_SECRET = "generic-secret-from-the-stack"


def test_a_signed_alert_becomes_a_war_room_on_the_stack(
    stack: Stack, launch: Callable[..., MarshalProcess]
) -> None:
    boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(
        SecretId=stack.outputs["GenericWebhookSecretArn"], SecretString=STACK_SECRET
    )
    marshal = launch(
        "up",
        **aws_env(stack, MARSHAL_SECRETS="secretsmanager", MARSHAL_SLACK_MODE="sandbox"),
    )
    alert = generic_alert("e2e-checkout-down")

    # The environment still carries the test suite's MARSHAL_SECRET_GENERIC: it must be ignored.
    refused, _ = post_webhook(marshal.url, "generic", alert)
    status, answer = post_webhook(marshal.url, "generic", alert, secret=STACK_SECRET)

    assert refused == 401
    assert status == 202
    store = incident_store(stack)

    def assembled() -> Incident | None:
        incident = store.get(answer["incident_id"])
        return incident if incident and incident.assembled_at else None

    incident = eventually(assembled, timeout=45, message="the war room to be assembled")
    channel = SandboxControl(marshal.sandbox_url).channel(incident.channel_id or "")
    assert channel["name"] == incident.channel_name
    assert channel["messages"], "the room has its checklist and context"
    code, _seconds = marshal.stop()
    assert code == 0
