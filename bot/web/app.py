"""The ASGI app: routes for webhooks, health and metrics. Blocking work runs in worker threads
(webhook writes on the embedded deployment in the IntakeWriter's one thread).

Answers follow DESIGN.md section 3 exactly: 202 / 200 duplicate / 400 / 401 / 413 / 415 / 503,
plus 408 for a body that did not arrive within the read deadline, and never a 500 carrying a
stack trace. A backend outage is a 503 with one log line; even an unexpected error is answered
by the route itself, so the server never drops the connection (and other keep-alive requests).
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from bot.domain.errors import BackendUnavailable
from bot.web.api.routes import api_routes
from bot.web.body import error
from bot.web.dependencies import WebDependencies, WorkerThreads
from bot.web.intake_writer import IntakeWriter
from bot.web.webhooks import WebhookEndpoint

log = logging.getLogger(__name__)


def build_web_app(deps: WebDependencies) -> Starlette:
    workers = WorkerThreads(deps.threads)
    intake = deps.intake
    writer = IntakeWriter(intake.record_all) if intake and intake.records_together else None

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        failures: dict[str, str] = {}
        for name, check in deps.readiness.items():
            try:
                await workers.run(check)
            except BackendUnavailable as exc:
                failures[name] = str(exc)
        if failures:
            return JSONResponse({"status": "unavailable", "failures": failures}, status_code=503)
        return JSONResponse({"status": "ready", "checks": sorted(deps.readiness)})

    async def metrics(_: Request) -> Response:
        return Response(deps.metrics.render(), media_type=deps.metrics.content_type)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.url.path})
        return error(500, "internal error; the request was not processed, retry later")

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route(
            "/webhooks/{source}", WebhookEndpoint(deps, workers, writer).handle, methods=["POST"]
        ),
    ]
    if deps.console is not None:
        routes.append(Mount("/console", app=deps.console))
    if deps.api is not None:
        routes.extend(api_routes(deps.api, workers))
    return Starlette(
        routes=routes,
        exception_handlers={Exception: server_error},
    )
