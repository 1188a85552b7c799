"""HttpRunbookAction: the `http` action kind over OutboundHttp (timeouts, bounded retries).

Preview: the runbook's preview request with `{"runbook", "params", "incident_id"}`, answered
`{"targets": [...], "count": N, "warnings": [...]}` (optionally `"total"`). It changes
nothing, so it is retried like a read. Execute: the same body plus `"targets"`, with the
run's idempotency key as `Idempotency-Key` (so a retry after a timeout or a 5xx is safe),
answered `{"summary": {"total", "processed", "updated", "skipped", "failed"}}`.

A 403, 409 or 423 is the target refusing on purpose: the run is blocked, not failed.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import ValidationError

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.adapters.http.retry_policy import RetryPolicy
from bot.domain.operation_run import FailureCode, RunSummary
from bot.domain.runbooks import HttpAction, HttpRequestSpec, ParamValue, Runbook
from bot.ports.runbooks import ActionFailed, ActionPreview

REFUSALS = frozenset({403, 409, 423})


class HttpRunbookAction:
    def __init__(self, policy: RetryPolicy | None = None) -> None:
        self._policy = policy or RetryPolicy()
        self._clients: dict[str, OutboundHttp] = {}
        self._lock = threading.Lock()

    def preview(
        self, runbook: Runbook, params: dict[str, ParamValue], incident_id: str | None
    ) -> ActionPreview:
        spec = self._spec(runbook).preview
        body = {"runbook": runbook.key, "params": params, "incident_id": incident_id}
        answer = self._call(spec, body, idempotent=True, key=None)
        try:
            return ActionPreview.model_validate(answer)
        except ValidationError as exc:
            raise ActionFailed(
                FailureCode.BAD_ANSWER,
                "the preview answer is not {targets, count, warnings}: "
                + str(exc.errors()[0].get("msg")),
            ) from exc

    def execute(
        self,
        runbook: Runbook,
        params: dict[str, ParamValue],
        incident_id: str | None,
        targets: list[str],
        idempotency_key: str,
    ) -> RunSummary:
        spec = self._spec(runbook).execute
        body = {
            "runbook": runbook.key,
            "params": params,
            "incident_id": incident_id,
            "targets": targets,
        }
        answer = self._call(spec, body, idempotent=True, key=idempotency_key)
        summary = answer.get("summary") if isinstance(answer, dict) else None
        if not isinstance(summary, dict):
            raise ActionFailed(FailureCode.BAD_ANSWER, "the execute answer has no summary")
        try:
            return RunSummary.model_validate(summary)
        except ValidationError as exc:
            raise ActionFailed(
                FailureCode.BAD_ANSWER, f"the summary is not counts: {exc.errors()[0].get('msg')}"
            ) from exc

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def _spec(self, runbook: Runbook) -> HttpAction:
        http = runbook.action.http
        if http is None:
            raise ActionFailed(FailureCode.BAD_ANSWER, f"runbook {runbook.key} is not an http one")
        return http

    def _call(
        self, spec: HttpRequestSpec, body: dict[str, Any], *, idempotent: bool, key: str | None
    ) -> Any:
        try:
            return self._client(spec.url).call_json(
                spec.method,
                "",
                body=body,
                idempotent=idempotent,
                idempotency_key=key,
                timeout=spec.timeout_seconds,
            )
        except HttpCallFailed as exc:
            raise _failed(exc) from exc

    def _client(self, url: str) -> OutboundHttp:
        with self._lock:
            client = self._clients.get(url)
            if client is None:
                client = self._clients[url] = OutboundHttp(url, policy=self._policy)
            return client


def _failed(exc: HttpCallFailed) -> ActionFailed:
    if exc.status in REFUSALS:
        return ActionFailed(FailureCode.TARGET_REFUSED, str(exc), blocked=True)
    if exc.status is None:
        return ActionFailed(FailureCode.TARGET_UNREACHABLE, str(exc))
    return ActionFailed(FailureCode.TARGET_ERROR, str(exc))
