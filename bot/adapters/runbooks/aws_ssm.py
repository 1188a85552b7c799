"""SsmRunbookAction: the `aws-ssm` action kind, SSM Run Command through boto3.

Preview: the runbook's instance targets (SSM has no dry run; nothing is sent); tag targets
(`tag:Name=web`) are resolved to the running EC2 instances carrying the tag
(`DescribeInstances`), so the preview counts them and the confirmation is bound to them.
Execute: one `SendCommand` of the document, to the instance ids or as `Targets`
(Key=tag:Name, Values=[web]), the run's idempotency key in the comment, then each confirmed
instance's invocation polled with `GetCommandInvocation` until it is terminal or the
runbook's timeout passes. Parameters may name runbook params as `{param}`.

Summary: total = targets, processed = terminal invocations, updated = Success, failed =
Failed / TimedOut / Cancelled / Undeliverable, skipped = not terminal in time. Any failed
invocation fails the run (COMMAND_FAILED), naming how many.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from bot.domain.operation_run import FailureCode, RunSummary
from bot.domain.runbooks import ParamValue, Runbook, SsmAction
from bot.ports.runbooks import ActionFailed, ActionPreview

_PARAM = re.compile(r"\{([a-z0-9_]+)\}")
SUCCEEDED = "Success"
FAILED = frozenset({"Failed", "TimedOut", "Cancelled", "Undeliverable", "Terminated"})
# right after SendCommand an invocation may not exist yet; that is "pending", not an error
_NOT_YET = "InvocationDoesNotExist"


class SsmClient(Protocol):
    """The two SSM calls this action makes (boto3's ssm client has them)."""

    def send_command(self, **kwargs: Any) -> Any: ...

    def get_command_invocation(self, **kwargs: Any) -> Any: ...


class Ec2Client(Protocol):
    """The one EC2 call tag targets need (boto3's ec2 client has it)."""

    def describe_instances(self, **kwargs: Any) -> Any: ...


class SsmRunbookAction:
    def __init__(
        self,
        client: Callable[[], SsmClient],
        *,
        instances: Callable[[], Ec2Client] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client  # built on first use: no AWS SDK cost unless a runbook uses SSM
        self._instances = instances
        self._sleep = sleep
        self._clock = clock

    def preview(
        self, runbook: Runbook, params: dict[str, ParamValue], incident_id: str | None
    ) -> ActionPreview:
        spec = _spec(runbook)
        warnings = [f"SSM document {spec.document} runs on each target; SSM has no dry run"]
        if not spec.tag_targets:
            return ActionPreview(
                targets=list(spec.targets), count=len(spec.targets), warnings=warnings
            )
        found = self._tagged(spec)
        named = ", ".join(spec.targets)
        if not found:
            warnings.append(f"{named} matches no running instance")
        else:
            warnings.append(f"{named}: SSM sends to the instances carrying the tag when it runs")
        return ActionPreview(targets=found, count=len(found), warnings=warnings)

    def _tagged(self, spec: SsmAction) -> list[str]:
        """The running instances the tag targets name, as SendCommand would reach them."""
        if self._instances is None:
            raise ActionFailed(
                FailureCode.TARGET_UNREACHABLE, "tag targets need EC2 to resolve them"
            )
        client = self._instances()
        filters: list[dict[str, Any]] = [
            {"Name": t["Key"], "Values": t["Values"]} for t in spec.tag_targets
        ]
        filters.append({"Name": "instance-state-name", "Values": ["running"]})
        found: set[str] = set()
        token: str | None = None
        while True:
            more = {"NextToken": token} if token else {}
            with _aws("DescribeInstances"):
                page = client.describe_instances(Filters=filters, **more)
            for reservation in page.get("Reservations", []):
                found.update(str(i["InstanceId"]) for i in reservation.get("Instances", []))
            token = page.get("NextToken")
            if not token:
                return sorted(found)

    def execute(
        self,
        runbook: Runbook,
        params: dict[str, ParamValue],
        incident_id: str | None,
        targets: list[str],
        idempotency_key: str,
    ) -> RunSummary:
        spec = _spec(runbook)
        client = self._client()
        parameters = {
            name: [_PARAM.sub(lambda m: str(params.get(m.group(1), m.group(0))), v) for v in values]
            for name, values in spec.parameters.items()
        }
        # tag targets go as SSM Targets (SSM resolves them); the confirmed instances are polled
        addressed: dict[str, Any] = (
            {"Targets": spec.tag_targets} if spec.tag_targets else {"InstanceIds": targets}
        )
        with _aws("SendCommand"):
            sent = client.send_command(
                DocumentName=spec.document,
                **addressed,
                Parameters=parameters,
                Comment=f"marshal {runbook.key} {idempotency_key}"[:100],
                TimeoutSeconds=max(30, int(spec.timeout_seconds)),
            )
        command_id = str(sent["Command"]["CommandId"])
        statuses = self._poll(client, command_id, targets, spec)
        done = {t: s for t, s in statuses.items() if s == SUCCEEDED or s in FAILED}
        failed = sum(1 for s in done.values() if s in FAILED)
        summary = RunSummary(
            total=len(targets),
            processed=len(done),
            updated=len(done) - failed,
            failed=failed,
            skipped=len(targets) - len(done),
        )
        if failed or len(done) < len(targets):
            raise ActionFailed(
                FailureCode.COMMAND_FAILED,
                f"SSM command {command_id}: {failed} of {len(targets)} invocations failed, "
                f"{len(targets) - len(done)} unfinished after {spec.timeout_seconds:.0f}s",
            )
        return summary

    def _poll(
        self, client: SsmClient, command_id: str, targets: list[str], spec: SsmAction
    ) -> dict[str, str]:
        statuses = dict.fromkeys(targets, "Pending")
        deadline = self._clock() + spec.timeout_seconds
        while True:
            for target in targets:
                if statuses[target] == SUCCEEDED or statuses[target] in FAILED:
                    continue
                statuses[target] = _invocation_status(client, command_id, target)
            pending = [t for t, s in statuses.items() if s != SUCCEEDED and s not in FAILED]
            if not pending or self._clock() >= deadline:
                return statuses
            self._sleep(spec.poll_seconds)


def _invocation_status(client: SsmClient, command_id: str, target: str) -> str:
    try:
        answer = client.get_command_invocation(CommandId=command_id, InstanceId=target)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == _NOT_YET:
            return "Pending"
        raise ActionFailed(FailureCode.TARGET_ERROR, f"GetCommandInvocation: {exc}") from exc
    except BotoCoreError:
        return "Pending"  # a blip while polling: ask again on the next round
    return str(answer.get("Status", "Pending"))


def _spec(runbook: Runbook) -> SsmAction:
    spec = runbook.action.aws_ssm
    if spec is None:
        raise ActionFailed(FailureCode.BAD_ANSWER, f"runbook {runbook.key} is not an aws-ssm one")
    return spec


@contextmanager
def _aws(call: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise ActionFailed(FailureCode.TARGET_ERROR, f"SSM {call}: {code}") from exc
    except BotoCoreError as exc:
        raise ActionFailed(FailureCode.TARGET_UNREACHABLE, f"SSM {call}: {exc}") from exc
