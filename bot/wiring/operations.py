"""Runbooks and operation runs, built once: the catalog (validated at start-up; a bad file
stops it with one line), the runs store the settings name, one adapter per action kind, the
preview / confirm / execute services and the Confirm / Cancel routes."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from bot.adapters.runbooks.aws_ssm import Ec2Client, SsmClient, SsmRunbookAction
from bot.adapters.runbooks.catalog_file import load_runbook_catalog
from bot.adapters.runbooks.http_action import HttpRunbookAction
from bot.domain.errors import MarshalError
from bot.domain.runbooks import ActionKind
from bot.ports.audit import AuditLog
from bot.ports.runbooks import OperationRuns, RunbookAction
from bot.ports.slack import SlackGateway
from bot.ports.store import Timeline
from bot.services.operations.break_glass import BreakGlassRoster
from bot.services.operations.confirmation import OperationConfirmation
from bot.services.operations.execution import RunExecutor
from bot.services.operations.notices import RunNotices
from bot.services.operations.policy import OperationsConfig
from bot.services.operations.previews import OperationPreviews
from bot.settings import Settings
from bot.wiring.process import ProcessGroup
from bot.wiring.stores import sqlite_database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Operations:
    runs: OperationRuns
    previews: OperationPreviews
    confirmation: OperationConfirmation
    executor: RunExecutor


def build_runs_store(settings: Settings) -> OperationRuns:
    if settings.marshal_store == "dynamodb":
        from bot.wiring.dynamodb import dynamo_operation_runs  # noqa: PLC0415 - SDK on demand

        return dynamo_operation_runs(settings)
    from bot.adapters.sqlite.operation_runs import SqliteOperationRuns  # noqa: PLC0415

    return SqliteOperationRuns(sqlite_database(settings))


def build_actions(settings: Settings) -> dict[ActionKind, RunbookAction]:
    """One adapter per action kind the catalog may name."""
    return {
        ActionKind.HTTP: HttpRunbookAction(),
        ActionKind.AWS_SSM: SsmRunbookAction(
            partial(ssm_client, settings.aws_region),
            instances=partial(ec2_client, settings.aws_region),
        ),
    }


def ssm_client(region: str) -> SsmClient:
    """boto3's SSM client (AWS_ENDPOINT_URL honoured), imported when a runbook first uses it."""
    import boto3  # noqa: PLC0415 - the AWS SDK on demand

    from bot.adapters.aws.clients import client_config  # noqa: PLC0415

    config = client_config(threads=4, connect_timeout=3, read_timeout=10)
    client: SsmClient = boto3.client("ssm", region_name=region, config=config)
    return client


def ec2_client(region: str) -> Ec2Client:
    """boto3's EC2 client, to resolve aws-ssm tag targets in a preview; built on first use."""
    import boto3  # noqa: PLC0415 - the AWS SDK on demand

    from bot.adapters.aws.clients import client_config  # noqa: PLC0415

    config = client_config(threads=4, connect_timeout=3, read_timeout=10)
    client: Ec2Client = boto3.client("ec2", region_name=region, config=config)
    return client


def build_operations(
    settings: Settings,
    audit: AuditLog,
    timeline: Timeline | None,
    slack: SlackGateway | None,
) -> Operations:
    """`timeline` and `slack` are None where there is no room to tell (the CLI without Slack)."""
    config = OperationsConfig(
        catalog=load_runbook_catalog(settings.marshal_runbook_file),
        actions=build_actions(settings),
        may_break_glass=BreakGlassRoster(settings.marshal_break_glass, slack).allows,
        announce_channel=settings.marshal_announce_channel,
        run_lease=timedelta(seconds=settings.marshal_run_lease_seconds),
    )
    runs = build_runs_store(settings)
    notices = RunNotices(slack, timeline, announce_channel=settings.marshal_announce_channel)
    previews = OperationPreviews(config, runs, audit)
    executor = RunExecutor(config, runs, audit, notices)
    confirmation = OperationConfirmation(previews, runs, audit, executor, notices)
    return Operations(runs, previews, confirmation, executor)


def recover_runs(group: ProcessGroup, executor: RunExecutor) -> None:
    """Recovery in the background, at start and then once per lease: a slow target must not
    hold the processor's start-up, and a run whose owner (another processor, `marshal ops
    start`) died while this one was up is failed once its lease runs out, not at our next
    restart."""
    stop = threading.Event()
    worker = threading.Thread(
        target=_recover_until, args=(executor, stop), name="marshal-run-recovery", daemon=True
    )
    worker.start()

    def stopped() -> None:
        stop.set()
        worker.join(timeout=3.0)

    group.started("run-recovery", stopped)


def _recover_until(executor: RunExecutor, stop: threading.Event) -> None:
    while True:
        _recover(executor)
        if stop.wait(executor.lease.total_seconds()):
            return


def _recover(executor: RunExecutor) -> None:
    try:
        recovered = executor.recover()
    except MarshalError as exc:  # the store is down: the next round tries again
        log.warning("run recovery failed", extra={"error": str(exc)})
        return
    for run in recovered:
        log.info("run recovered", extra={"run": run.id, "outcome": run.outcome.value})
