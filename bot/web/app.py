"""The ASGI app: routes for webhooks, health and metrics. Blocking work runs in a threadpool.

Answers follow DESIGN.md section 3 exactly: 202 / 200 duplicate / 400 / 401 / 413 / 415 / 503,
and never a 500 carrying a stack trace.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.domain.errors import BackendUnavailable
from bot.observability.metrics import Metrics
from bot.services.intake import WebhookReply

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], None]  # raises when not ready


class WebhookIntake(Protocol):
    def sources(self) -> frozenset[str]: ...

    def accept(self, source: str, body: bytes, headers: Mapping[str, str]) -> WebhookReply:
        """Verify, parse, persist and enqueue. Raises BackendUnavailable for a 503."""


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing early on Content-Length and again while streaming."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # some senders omit it; the JSON parse still decides
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


@dataclass
class WebDependencies:
    metrics: Metrics
    readiness: dict[str, ReadinessCheck]
    intake: WebhookIntake | None = None
    max_body_bytes: int = 1024 * 1024


def build_web_app(deps: WebDependencies) -> Starlette:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        failures: dict[str, str] = {}
        for name, check in deps.readiness.items():
            try:
                await run_in_threadpool(check)
            except BackendUnavailable as exc:
                failures[name] = str(exc)
        if failures:
            return JSONResponse({"status": "unavailable", "failures": failures}, status_code=503)
        return JSONResponse({"status": "ready", "checks": sorted(deps.readiness)})

    async def metrics(_: Request) -> Response:
        return Response(deps.metrics.render(), media_type=deps.metrics.content_type)

    async def webhook(request: Request) -> Response:
        source = request.path_params["source"]
        started = time.perf_counter()
        reply = await _handle_webhook(request, source)
        if deps.intake is not None and source in deps.intake.sources():
            deps.metrics.webhook_requests.labels(source, str(reply.status_code)).inc()
            deps.metrics.webhook_seconds.labels(source).observe(time.perf_counter() - started)
        return reply

    async def _handle_webhook(request: Request, source: str) -> Response:
        intake = deps.intake
        if intake is None or source not in intake.sources():
            return error(404, f"unknown webhook source {source!r}")
        try:
            body = await read_body(request, deps.max_body_bytes)
        except BodyTooLarge:
            return error(413, f"body larger than {deps.max_body_bytes} bytes")
        if not _is_json(request.headers.get("content-type")):
            return error(415, "content type must be application/json")
        try:
            reply = await run_in_threadpool(intake.accept, source, body, request.headers)
        except BackendUnavailable as exc:
            log.warning("webhook refused: backend unavailable", extra={"source": source})
            return JSONResponse(
                {"error": f"temporarily unavailable: {exc}; retry"},
                status_code=503,
                headers={"Retry-After": "5"},
            )
        return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.url.path})
        return error(500, "internal error; the request was not processed, retry later")

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/webhooks/{source}", webhook, methods=["POST"]),
        ],
        exception_handlers={Exception: server_error},
    )
