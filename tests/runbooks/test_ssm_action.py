"""The aws-ssm action over moto's server (real HTTP): SendCommand to the targets with the
runbook's params filled in, each invocation polled to Success, the summary counted; and a
whole run confirmed through the services executes one command."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from bot.adapters.runbooks.aws_ssm import SsmRunbookAction
from bot.domain.operation_run import FailureCode, RunOutcome
from bot.domain.runbooks import ActionKind, parse_catalog
from bot.ports.runbooks import ActionFailed
from bot.services.operations.previews import PreflightRequest
from bot.wiring.operations import ssm_client
from tests.conftest import AwsEndpoint
from tests.runbooks.conftest import build_rig
from tests.runbooks.target import FakeTarget

CATALOG = """
runbooks:
  rotate-logs:
    title: Rotate logs on the web fleet
    params: {days: {type: integer, default: 7}}
    action:
      aws-ssm:
        document: AWS-RunShellScript
        targets: [i-0aaa, i-0bbb]
        parameters: {commands: ["logrotate --keep {days}"]}
        timeout_seconds: 5
        poll_seconds: 0.1
    lock: fleet:web
    reason_required: never
"""


def test_execute_sends_one_command_and_polls_each_invocation(aws: AwsEndpoint) -> None:
    runbook = parse_catalog(CATALOG).get("rotate-logs")
    action = SsmRunbookAction(lambda: ssm_client("us-east-1"))
    preview = action.preview(runbook, {"days": 3}, None)
    assert preview.targets == ["i-0aaa", "i-0bbb"] and preview.count == 2
    summary = action.execute(runbook, {"days": 3}, "inc-1", preview.targets, "key-1")
    assert summary.total == 2 and summary.updated == 2 and summary.failed == 0

    (command,) = boto3.client("ssm", region_name="us-east-1").list_commands()["Commands"]
    assert command["DocumentName"] == "AWS-RunShellScript"
    assert sorted(command["InstanceIds"]) == ["i-0aaa", "i-0bbb"]  # moto keeps a set
    assert command["Parameters"] == {"commands": ["logrotate --keep 3"]}
    assert "key-1" in command["Comment"]


def test_an_unreachable_ssm_fails_with_a_reason_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    runbook = parse_catalog(CATALOG).get("rotate-logs")
    action = SsmRunbookAction(lambda: ssm_client("us-east-1"))
    with pytest.raises(ActionFailed) as failed:
        action.execute(runbook, {"days": 1}, None, ["i-0aaa"], "key-2")
    assert failed.value.code is FailureCode.TARGET_UNREACHABLE


def test_an_ssm_run_through_the_services(
    aws: AwsEndpoint, tmp_path: Path, target: FakeTarget
) -> None:
    ssm = SsmRunbookAction(lambda: ssm_client("us-east-1"))
    rig = build_rig(tmp_path / "m.db", target, catalog=CATALOG, actions={ActionKind.AWS_SSM: ssm})
    preview = rig.previews.preflight(
        PreflightRequest(runbook="rotate-logs", params={}, user_id="U0ALICE")
    )
    done = rig.confirmation.confirm(preview.token, "U0BOB", "key-3")
    assert done.run is not None and done.run.outcome is RunOutcome.SUCCEEDED
    assert done.run.summary is not None and done.run.summary.processed == 2
    assert len(boto3.client("ssm", region_name="us-east-1").list_commands()["Commands"]) == 1
