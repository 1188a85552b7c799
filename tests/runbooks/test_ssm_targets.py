"""aws-ssm tag targets and failed invocations, over moto's server (real HTTP).

Tag targets (`tag:Name=web`) are validated in the catalog, resolved to the running instances
carrying the tag in the preview, and sent as SendCommand `Targets`. moto reports every
invocation Success, so a proxy in front of it reports one Failed: the run ends failed with
COMMAND_FAILED and a one-line summary."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from bot.adapters.runbooks.aws_ssm import SsmRunbookAction
from bot.domain.operation_run import FailureCode, ReasonCode, RunOutcome, RunReason
from bot.domain.runbooks import ActionKind, RunbookCatalogError, parse_catalog
from bot.services.operations.policy import OperationRefused
from bot.services.operations.previews import PreflightRequest
from bot.wiring.operations import ec2_client, ssm_client
from tests.conftest import AwsEndpoint
from tests.fakes.aws_faults import AwsAnswerEdit, FaultyAws
from tests.runbooks.conftest import build_rig
from tests.runbooks.target import FakeTarget


def catalog(targets: str) -> str:
    return f"""
runbooks:
  rotate-logs:
    title: Rotate logs on the web fleet
    action:
      aws-ssm:
        document: AWS-RunShellScript
        targets: {targets}
        parameters: {{commands: ["logrotate"]}}
        timeout_seconds: 5
        poll_seconds: 0.1
    lock: fleet:web
    reason_required: above:1
"""


def test_tag_targets_become_ssm_targets() -> None:
    spec = parse_catalog(catalog("['tag:Name=web,api', 'tag:env=prod']")).get("rotate-logs")
    assert spec.action.aws_ssm is not None
    assert spec.action.aws_ssm.tag_targets == [
        {"Key": "tag:Name", "Values": ["web", "api"]},
        {"Key": "tag:env", "Values": ["prod"]},
    ]


@pytest.mark.parametrize(
    ("targets", "names"),
    [
        ("[i-0abc, 'tag:Name=web']", "not both"),
        ("['tag:Name=']", "must read tag:<key>=<value>"),
        ("['tag:=web']", "must read tag:<key>=<value>"),
        ("['tag:Name=web,']", "must read tag:<key>=<value>"),
        ("[web-1]", "neither an instance id"),
        ("[" + ", ".join(f"'tag:k{i}=v'" for i in range(6)) + "]", "at most 5 tag targets"),
    ],
)
def test_a_bad_target_names_the_problem(targets: str, names: str) -> None:
    with pytest.raises(RunbookCatalogError) as error:
        parse_catalog(catalog(targets))
    assert "runbook rotate-logs.action.aws-ssm.targets" in str(error.value)
    assert names in str(error.value)


def instances(name: str, count: int) -> list[str]:
    made = boto3.client("ec2", region_name="us-east-1").run_instances(
        ImageId="ami-12c6146b",
        MinCount=count,
        MaxCount=count,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
    )
    return sorted(i["InstanceId"] for i in made["Instances"])


def ssm_action() -> SsmRunbookAction:
    return SsmRunbookAction(
        lambda: ssm_client("us-east-1"), instances=lambda: ec2_client("us-east-1")
    )


def test_a_tag_target_run_previews_the_tagged_instances_and_sends_targets(
    aws: AwsEndpoint, tmp_path: Path, target: FakeTarget
) -> None:
    web = instances("web", 2)
    instances("db", 1)
    rig = build_rig(
        tmp_path / "m.db",
        target,
        catalog=catalog("['tag:Name=web']"),
        actions={ActionKind.AWS_SSM: ssm_action()},
    )
    asked = PreflightRequest(runbook="rotate-logs", params={}, user_id="U0ALICE")
    with pytest.raises(OperationRefused, match="2 affected"):  # the count drives the policy
        rig.previews.preflight(asked)
    reason = RunReason(code=ReasonCode.INCIDENT, text="logs filling disks")
    preview = rig.previews.preflight(replace(asked, reason=reason))
    assert preview.targets == web and preview.count == 2
    done = rig.confirmation.confirm(preview.token, "U0BOB", "tags-1")
    assert done.run is not None and done.run.outcome is RunOutcome.SUCCEEDED
    assert done.run.summary is not None and done.run.summary.updated == 2

    (command,) = boto3.client("ssm", region_name="us-east-1").list_commands()["Commands"]
    assert command["Targets"] == [{"Key": "tag:Name", "Values": ["web"]}]
    assert sorted(command["InstanceIds"]) == web  # what SSM resolved: the previewed ones


def test_a_tag_matching_nothing_previews_no_targets_and_says_so(aws: AwsEndpoint) -> None:
    runbook = parse_catalog(catalog("['tag:Name=nowhere']")).get("rotate-logs")
    preview = ssm_action().preview(runbook, {}, None)
    assert preview.targets == [] and preview.count == 0
    assert any("matches no running instance" in w for w in preview.warnings)


@pytest.fixture
def faulty_ssm(aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultyAws]:
    proxy = FaultyAws(upstream=aws.url).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    yield proxy
    proxy.stop()


def test_a_failed_invocation_fails_the_run_with_a_stable_code(
    faulty_ssm: FaultyAws, tmp_path: Path, target: FakeTarget
) -> None:
    failing = "i-0bbb"

    def one_failed(answer: dict[str, Any]) -> dict[str, Any]:
        if answer.get("InstanceId") == failing:
            return {**answer, "Status": "Failed", "StandardErrorContent": "disk\nfull " * 80}
        return answer

    faulty_ssm.edit_answers(AwsAnswerEdit("GetCommandInvocation", one_failed))
    rig = build_rig(
        tmp_path / "m.db",
        target,
        catalog=catalog("[i-0aaa, i-0bbb]").replace("above:1", "never"),
        actions={ActionKind.AWS_SSM: ssm_action()},
    )
    preview = rig.previews.preflight(
        PreflightRequest(runbook="rotate-logs", params={}, user_id="U0ALICE")
    )
    done = rig.confirmation.confirm(preview.token, "U0BOB", "fail-1")
    run = done.run
    assert run is not None and run.outcome is RunOutcome.FAILED
    assert run.failure is not None and run.failure.code is FailureCode.COMMAND_FAILED
    assert "1 of 2 invocations failed" in run.failure.message
    assert "\n" not in run.failure.message and len(run.failure.message) <= 300
    assert "disk" not in run.failure.message  # the instance's output stays out of rooms
    assert rig.actions()[-1] == "runbook.failed"
    stored = rig.runs.get(run.id)
    assert stored is not None and stored.failure == run.failure
