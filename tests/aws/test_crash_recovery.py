"""Crash recovery on AWS: `marshal webhook` and `marshal processor` on DynamoDB and SQS FIFO
(moto's server, the stack from infra/cloudformation.yaml) SIGKILLed in turn while alerts flow.

A killed processor's in-flight events stay hidden on SQS until their visibility runs out; the
drill sets MARSHAL_QUEUE_VISIBILITY_SECONDS to a few seconds so they come back within it, as
they do after 60 s in production. The drill and its invariants: tests/e2e/crash_drill.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest

from bot.adapters.dynamodb.audit_log import DynamoAuditLog
from bot.adapters.dynamodb.draft_store import DynamoDraftStore
from bot.domain.audit_keys import AuditKeyring
from bot.sandbox.server import SandboxSlack
from tests.aws.conftest import AWS_AUDIT_KEY, aws_env, incident_store
from tests.aws.stack import Stack, create_stack
from tests.conftest import AwsEndpoint, slack_env
from tests.e2e.crash_drill import Deployment, run_crash_drill

pytestmark = pytest.mark.slow  # a crash drill: marshal SIGKILLed while alerts flow

SEED = int(os.environ.get("MARSHAL_CRASH_SEED", "2211"))


@pytest.fixture
def stack(aws: AwsEndpoint) -> Stack:
    # SQS itself moves an event to the dead-letter queue after MaxReceiveCount receives
    return create_stack(table_prefix="m-", secrets_prefix="marshal/", max_receives=10)


@pytest.mark.timeout(600)  # a drill under a loaded CI machine, not a timing claim
def test_sigkill_of_webhook_and_processor_loses_nothing_and_opens_one_room_each(
    tmp_path: Path, stack: Stack, sandbox: SandboxSlack
) -> None:
    sandbox.reset()
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    deployment = Deployment(
        parts=("webhook", "processor"),
        env=aws_env(
            stack,
            # Short, so a killed processor's events return within the drill; not so short that
            # a heartbeat delayed on a loaded machine lets an event through a fourth time
            # (MARSHAL_QUEUE_MAX_RECEIVES) into the dead-letter queue while it is handled.
            MARSHAL_QUEUE_VISIBILITY_SECONDS="6",
            MARSHAL_QUEUE_MAX_RECEIVES="10",
            **slack_env(sandbox),
            MARSHAL_ANNOUNCE_CHANNEL="C0INCIDENTS",
            MARSHAL_TRIAGE_CHANNEL="C0TRIAGE",
        ),
        store=incident_store(stack),
        audit=DynamoAuditLog(
            dynamodb, stack.table_prefix, keys=AuditKeyring.from_text(AWS_AUDIT_KEY)
        ),
        drafts=DynamoDraftStore(dynamodb, stack.table_prefix),
        kills=4,
        # A safety net for a loaded machine, not a timing claim: with the whole suite on the
        # other worker, all 25 incidents were seen settled just after a 90 s net (CI, 2 cores).
        settle_seconds=180.0,
    )
    run_crash_drill(tmp_path, sandbox, deployment, SEED)
