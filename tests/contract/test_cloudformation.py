"""infra/cloudformation.yaml: lint-clean, the same tables as create_tables, and the contract
suite (a representative part) passes on the tables a stack created in moto's server
(tests/aws/stack.py creates it; tests/aws/ covers the queues, secrets and roles)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.adapters.dynamodb.tables import create_tables, table_definitions
from tests.aws.stack import TEMPLATE, create_stack
from tests.conftest import AwsEndpoint
from tests.contract import test_audit_log as audit_contract
from tests.contract import test_incident_store as store_contract
from tests.contract.conftest import Backend, dynamodb_backend, dynamodb_client

# cfn-lint in a subprocess, and the store contract rerun on the stack deployed into moto
pytestmark = pytest.mark.slow

PREFIX = "stack-"


def test_template_passes_cfn_lint() -> None:
    # cfnlint has no __main__; its console script sits next to this interpreter
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _tables_in_template() -> dict[str, dict[str, Any]]:
    template = yaml.safe_load(TEMPLATE.read_text())
    tables = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            props = resource["Properties"]
            name = props["TableName"]["Fn::Sub"].replace("${TablePrefix}", "marshal-")
            tables[name] = props
    return tables


def _sorted(entries: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: str(e[key]))


def test_template_declares_the_tables_create_tables_makes() -> None:
    declared = _tables_in_template()
    expected = {d["TableName"]: d for d in table_definitions("marshal-")}

    assert set(declared) == set(expected)
    for name, definition in expected.items():
        props = declared[name]
        assert props["KeySchema"] == definition["KeySchema"]
        assert _sorted(props["AttributeDefinitions"], "AttributeName") == _sorted(
            definition["AttributeDefinitions"], "AttributeName"
        )
        assert _sorted(props.get("GlobalSecondaryIndexes", []), "IndexName") == _sorted(
            definition.get("GlobalSecondaryIndexes", []), "IndexName"
        )
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def _create_stack() -> dict[str, str]:
    return create_stack("marshal-tables", table_prefix=PREFIX).outputs


def _shape(description: dict[str, Any]) -> tuple[Any, ...]:
    indexes = {
        i["IndexName"]: (i["KeySchema"], i["Projection"])
        for i in description.get("GlobalSecondaryIndexes", [])
    }
    return description["KeySchema"], indexes


def test_stack_tables_match_create_tables(aws: AwsEndpoint) -> None:
    outputs = _create_stack()
    client = dynamodb_client()
    create_tables(client, "made-")

    assert {k: v for k, v in outputs.items() if k.endswith("TableName")} == {
        "IncidentsTableName": "stack-incidents",
        "AuditTableName": "stack-audit",
        "DraftsTableName": "stack-drafts",
    }
    for suffix in ("incidents", "audit", "drafts"):
        from_stack = client.describe_table(TableName=f"stack-{suffix}")["Table"]
        made = client.describe_table(TableName=f"made-{suffix}")["Table"]
        assert _shape(dict(from_stack)) == _shape(dict(made))


CONTRACT_SUBSET: list[Callable[[Backend], None]] = [
    store_contract.test_first_alert_creates_incident_with_pending_outbox,
    store_contract.test_resent_notification_is_a_duplicate_with_original_incident_and_outbox,
    store_contract.test_resolving_releases_the_group_for_a_new_incident,
    store_contract.test_find_by_channel,
    store_contract.test_listing_is_newest_first_and_pages_with_a_cursor,
    store_contract.test_claim_is_won_once_until_it_expires,
    store_contract.test_outbox_pending_until_marked_sent,
    store_contract.test_timeline_add_list_find_remove,
    audit_contract.test_append_is_idempotent_on_event_id,
    audit_contract.test_removed_event_is_named,
]


@pytest.mark.parametrize("contract_test", CONTRACT_SUBSET, ids=lambda f: f.__name__)
def test_contract_on_stack_tables(
    aws: AwsEndpoint, contract_test: Callable[[Backend], None]
) -> None:
    _create_stack()
    contract_test(dynamodb_backend(dynamodb_client(), PREFIX))
