"""Change markers and operation runs over HTTP: `change` through the room's own command, and
runs listed without their preview token or idempotency key."""

from __future__ import annotations

from bot.adapters.sqlite.operation_runs import SqliteOperationRuns
from bot.wiring.stores import sqlite_database
from tests.api.conftest import Api
from tests.contract.test_operation_runs import preview, run_for


def test_a_change_marker_lands_on_the_timeline(api_up: Api) -> None:
    incident_id = api_up.alert("deploy went bad")
    body = {"ref": "deploy 1.2.3 'hotfix'", "url": "https://ci.example/1", "reason": "suspect"}
    marked = api_up.post(f"/api/v1/incidents/{incident_id}/changes", body, key="c1")
    assert marked.status == 200, marked.body
    entries = api_up.get(f"/api/v1/incidents/{incident_id}/timeline").body["items"]
    assert any("deploy 1.2.3 'hotfix'" in e["text"] for e in entries)
    bad = api_up.post(f"/api/v1/incidents/{incident_id}/changes", {"ref": ""}, key="c2")
    assert bad.status == 400 and bad.body["error"].startswith("ref:")


def test_runs_are_listed_without_their_secrets(api: Api) -> None:
    runs = SqliteOperationRuns(sqlite_database(api.settings))
    started = runs.start(run_for(preview(runs), key="idem-secret"))
    listed = api.get("/api/v1/ops/runs").body
    assert [r["id"] for r in listed["items"]] == [started.run.id]
    assert listed["next_cursor"] is None
    shown = api.get(f"/api/v1/ops/runs/{started.run.id}")
    assert shown.status == 200 and shown.body["runbook"] == "restart-checkout"
    for answer in (listed["items"][0], shown.body):
        assert "preview_token" not in answer and "idempotency_key" not in answer
    assert "idem-secret" not in str(listed)
    assert api.get("/api/v1/ops/runs/run-missing").status == 404
    assert api.get("/api/v1/ops/runs?limit=0").status == 400
