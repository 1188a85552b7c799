"""The operation runs page over HTTP: the newest runs with who, scope, status and incident."""

from __future__ import annotations

from bot.domain.ids import new_id
from bot.domain.models import utcnow
from bot.domain.operation_run import PREVIEW_LIFETIME, OperationRun, RunPreview, binding_hash
from bot.wiring.operations import build_runs_store
from tests.console.conftest import Console


def test_runs_are_listed_newest_first_with_their_incident(console: Console) -> None:
    incident = console.incident(title="Checkout down")
    runs = build_runs_store(console.settings)
    for runbook in ("restart-checkout", "flush-<cache>"):
        shown = RunPreview(
            token=new_id("tok"),
            runbook=runbook,
            params={"cluster": "prod"},
            scope=f"service:{runbook}",
            targets=["pod-1", "pod-2"],
            count=2,
            total=10,
            binding=binding_hash(runbook, {"cluster": "prod"}, ["pod-1", "pod-2"]),
            requested_by="U0ALICE",
            incident_id=incident.id,
            expires_at=utcnow() + PREVIEW_LIFETIME,
        )
        runs.save_preview(shown)
        runs.start(
            OperationRun.confirming(shown, confirmed_by="U0BOB", idempotency_key=new_id("idem"))
        )
    client = console.signed_in()
    page = client.get("/console/runs")
    assert page.status_code == 200
    html = page.text
    assert html.index("flush-&lt;cache&gt;") < html.index("restart-checkout")  # newest first
    assert "U0BOB" in html and "2 of 10 targets" in html
    assert f'href="/console/incidents/{incident.id}"' in html
    assert console.client().get("/console/runs").status_code == 303
