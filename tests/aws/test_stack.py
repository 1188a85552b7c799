"""What infra/cloudformation.yaml creates beyond the tables (tests/contract covers those): the
FIFO queue pair, the secrets SecretsManagerSecretSource reads, and least-privilege roles."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from bot.domain.audit_keys import AuditKey
from bot.domain.models import AlertSource
from bot.ingest.secrets import WEBHOOK_SOURCES, SecretsManagerSecretSource, secrets_manager_client
from bot.settings import Settings
from bot.wiring.audit_keys import AUDIT_KEY_NAME, audit_keyring
from tests.aws.stack import Stack

pytestmark = pytest.mark.slow  # deploys the CloudFormation stack into moto


def test_outputs_name_every_piece_a_deployment_needs(stack: Stack) -> None:
    outputs = stack.outputs
    assert outputs["QueueUrl"].endswith("/m-events.fifo")
    assert outputs["DeadLetterQueueUrl"].endswith("/m-events-dlq.fifo")
    assert outputs["WebhookRoleArn"].startswith("arn:aws:iam::")
    assert outputs["ProcessorRoleArn"].startswith("arn:aws:iam::")
    secret_arns = {k: v for k, v in outputs.items() if k.endswith("SecretArn")}
    assert len(secret_arns) == 8
    assert all(":secret:marshal/" in arn for arn in secret_arns.values())


def test_queue_is_fifo_with_our_dedup_ids_and_a_dead_letter_queue(stack: Stack) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    attributes = sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["All"])[
        "Attributes"
    ]
    dlq_arn = sqs.get_queue_attributes(
        QueueUrl=stack.outputs["DeadLetterQueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]

    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "false"
    assert attributes["VisibilityTimeout"] == "60"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": 4,
    }


def test_webhook_secrets_have_the_names_the_secret_source_reads(stack: Stack) -> None:
    secretsmanager = boto3.client("secretsmanager", region_name="us-east-1")
    source = SecretsManagerSecretSource(secrets_manager_client("us-east-1"), stack.secrets_prefix)
    for alert_source in WEBHOOK_SOURCES:
        secretsmanager.put_secret_value(
            SecretId=source.secret_id(alert_source), SecretString=f"new-{alert_source.value}"
        )
    assert source.secret_for(AlertSource.PAGERDUTY) == "new-pagerduty"
    assert source.secret_for(AlertSource.GRAFANA_ONCALL) == "new-grafana-oncall"


def test_the_audit_key_secret_has_the_name_the_audit_keyring_reads(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "rotated-audit-key-0123456789abcdef"
    boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(
        SecretId=f"{stack.secrets_prefix}{AUDIT_KEY_NAME}", SecretString=key
    )
    monkeypatch.setenv("MARSHAL_STORE", "dynamodb")
    monkeypatch.setenv("MARSHAL_SECRETS", "secretsmanager")
    monkeypatch.setenv("MARSHAL_SECRETS_PREFIX", stack.secrets_prefix)

    assert audit_keyring(Settings()).current.key_id == AuditKey(key.encode()).key_id


def _policy(role_arn: str) -> list[dict[str, Any]]:
    iam = boto3.client("iam", region_name="us-east-1")
    role = role_arn.rsplit("/", 1)[1]
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert len(attached) == 1
    policy = iam.get_policy(PolicyArn=attached[0]["PolicyArn"])["Policy"]
    version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])[
        "PolicyVersion"
    ]
    document = version["Document"]
    statements: list[dict[str, Any]] = (
        json.loads(document)["Statement"] if isinstance(document, str) else document["Statement"]
    )
    return statements


def _grants(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """action -> the resources it is allowed on"""
    grants: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert "*" not in statement["Resource"]
        for action in statement["Action"]:
            grants.setdefault(action, set()).update(statement["Resource"])
    return grants


def test_webhook_role_can_write_incidents_and_send_events_but_not_consume_or_read_slack(
    stack: Stack,
) -> None:
    grants = _grants(_policy(stack.outputs["WebhookRoleArn"]))
    webhook_secrets = {
        stack.outputs[f"{name}WebhookSecretArn"]
        for name in ("GrafanaOnCall", "Grafana", "Alertmanager", "PagerDuty", "Generic")
    } | {stack.outputs["AuditKeySecretArn"]}

    assert grants["secretsmanager:GetSecretValue"] == webhook_secrets
    assert grants["sqs:SendMessage"] == {"arn:aws:sqs:us-east-1:123456789012:m-events.fifo"}
    assert "sqs:ReceiveMessage" not in grants
    assert "sqs:DeleteMessage" not in grants
    assert not any("m-drafts" in r for resources in grants.values() for r in resources)
    assert {r.rsplit(":", 1)[1] for r in grants["dynamodb:PutItem"]} == {
        "table/m-incidents",
        "table/m-incidents/index/*",
        "table/m-audit",
    }


def test_processor_role_consumes_and_reads_slack_tokens_only(stack: Stack) -> None:
    grants = _grants(_policy(stack.outputs["ProcessorRoleArn"]))
    queue = "arn:aws:sqs:us-east-1:123456789012:m-events.fifo"
    dlq = "arn:aws:sqs:us-east-1:123456789012:m-events-dlq.fifo"

    assert grants["secretsmanager:GetSecretValue"] == {
        stack.outputs["SlackBotTokenSecretArn"],
        stack.outputs["SlackAppTokenSecretArn"],
        stack.outputs["AuditKeySecretArn"],
    }
    for action in ("ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility"):
        assert grants[f"sqs:{action}"] == {queue}
    assert grants["sqs:SendMessage"] == {queue, dlq}
    assert any("table/m-drafts" in r for r in grants["dynamodb:PutItem"])
