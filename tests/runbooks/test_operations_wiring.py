"""The runbook wiring: a bad catalog stops start-up with one line naming the variable, and
MARSHAL_STORE=dynamodb runs a whole preview -> confirm -> execute on DynamoDB (moto's server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.dynamodb.operation_runs import DynamoOperationRuns
from bot.domain.errors import ConfigurationError
from bot.domain.operation_run import RunOutcome
from bot.services.operations.confirmation import Confirmed
from bot.services.operations.previews import PreflightRequest
from bot.settings import Settings
from bot.wiring.operations import build_operations
from bot.wiring.stores import build_audit_log, build_store
from tests.conftest import AwsEndpoint, dynamodb_settings
from tests.runbooks.catalog_files import http_catalog
from tests.runbooks.target import FakeTarget


def test_a_bad_catalog_stops_start_up_with_one_line(tmp_path: Path) -> None:
    catalog = tmp_path / "runbooks.yaml"
    catalog.write_text("runbooks: {a: {title: A, lock: x, action: {}}}")
    settings = Settings(marshal_db_path=tmp_path / "m.db", marshal_runbook_file=catalog)
    with pytest.raises(ConfigurationError) as stopped:
        build_operations(settings, build_audit_log(settings), None, None)
    assert str(stopped.value).startswith("MARSHAL_RUNBOOK_FILE")
    assert "runbook a.action" in str(stopped.value) and "\n" not in str(stopped.value)


def test_a_run_on_dynamodb(
    aws: AwsEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    target: FakeTarget,
) -> None:
    catalog = tmp_path / "runbooks.yaml"
    catalog.write_text(http_catalog(target.url))
    monkeypatch.setenv("MARSHAL_RUNBOOK_FILE", str(catalog))
    settings = dynamodb_settings(monkeypatch, "rb-")
    store = build_store(settings)
    operations = build_operations(settings, build_audit_log(settings), store, None)
    assert isinstance(operations.runs, DynamoOperationRuns)
    preview = operations.previews.preflight(
        PreflightRequest(runbook="restart-checkout", params={}, user_id="U0ALICE")
    )
    done = operations.confirmation.confirm(preview.token, "U0BOB", "dyn-1")
    assert done.kind is Confirmed.RAN and done.run is not None
    assert done.run.outcome is RunOutcome.SUCCEEDED
    again = operations.confirmation.confirm(preview.token, "U0BOB", "dyn-1")
    assert again.kind is Confirmed.DUPLICATE
    assert [r.id for r in operations.runs.list_runs()] == [done.run.id]
    assert len(target.executes()) == 1
    # the run items share the incidents table without showing up as incidents
    assert store.list_incidents(open_only=False).items == []
