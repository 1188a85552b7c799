"""GET /api/v1/ops/runs and /api/v1/ops/runs/{run_id}: operation runs (runbooks), newest
first, as `marshal ops list|show` shows them; never their preview token or idempotency key
(each lets a run be confirmed or replayed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.operation_run import OperationRun
from bot.ports.runbooks import OperationRuns
from bot.services.operator.incident_queue import DEFAULT_LIMIT, MAX_LIMIT
from bot.web.api.operations import Call, Operation, QueryParam, Reply

_SECRET_FIELDS = {"preview_token", "idempotency_key"}


def public_run(run: OperationRun) -> dict[str, Any]:
    return run.model_dump(mode="json", exclude=_SECRET_FIELDS)


class OpsRunOperations:
    def __init__(self, runs: OperationRuns) -> None:
        self._runs = runs

    def operations(self) -> Sequence[Operation]:
        return (
            Operation(
                "GET",
                "/ops/runs",
                "listOperationRuns",
                "Operation runs (runbooks), newest first",
                self.list_runs,
                query=(
                    QueryParam(
                        "limit",
                        f"how many, 1-{MAX_LIMIT} (default {DEFAULT_LIMIT})",
                        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                    ),
                ),
            ),
            Operation(
                "GET",
                "/ops/runs/{run_id}",
                "getOperationRun",
                "One operation run",
                self.show,
                errors=(404,),
            ),
        )

    def list_runs(self, call: Call) -> Reply:
        raw = call.query.get("limit")
        if raw is not None and (not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT):
            return Reply.error(400, f"limit: must be a whole number from 1 to {MAX_LIMIT}")
        runs = self._runs.list_runs(limit=int(raw) if raw else DEFAULT_LIMIT)
        return Reply(200, {"items": [public_run(r) for r in runs], "next_cursor": None})

    def show(self, call: Call) -> Reply:
        run = self._runs.get(call.path["run_id"])
        if run is None:
            return Reply.error(404, f"no operation run {call.path['run_id']}")
        return Reply(200, public_run(run))
