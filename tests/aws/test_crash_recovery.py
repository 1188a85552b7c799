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
from bot.sandbox.server import SandboxSlack
from tests.aws.conftest import aws_env, incident_store
from tests.aws.stack import Stack
from tests.e2e.crash_drill import Deployment, run_crash_drill

SEED = int(os.environ.get("MARSHAL_CRASH_SEED", "2211"))


@pytest.mark.timeout(300)  # a drill under a loaded CI machine, not a timing claim
def test_sigkill_of_webhook_and_processor_loses_nothing_and_opens_one_room_each(
    tmp_path: Path, stack: Stack, sandbox: SandboxSlack
) -> None:
    sandbox.reset()
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    deployment = Deployment(
        parts=("webhook", "processor"),
        env=aws_env(
            stack,
            MARSHAL_QUEUE_VISIBILITY_SECONDS="3",
            SLACK_BOT_TOKEN=sandbox.bot_token,
            SLACK_APP_TOKEN=sandbox.app_token,
            SLACK_API_URL=sandbox.api_url,
            MARSHAL_ANNOUNCE_CHANNEL="C0INCIDENTS",
            MARSHAL_TRIAGE_CHANNEL="C0TRIAGE",
        ),
        store=incident_store(stack),
        audit=DynamoAuditLog(dynamodb, stack.table_prefix),
        drafts=DynamoDraftStore(dynamodb, stack.table_prefix),
        kills=4,
        settle_seconds=60.0,
    )
    run_crash_drill(tmp_path, sandbox, deployment, SEED)
