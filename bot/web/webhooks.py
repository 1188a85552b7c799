"""`POST /webhooks/<source>`: read the body within its limits, hand it to the intake, answer.

Everything a request can end in is answered here (see the status list in bot/web/app.py):
a backend outage is a 503 with Retry-After and one log line, a slow body a 408 that closes
the connection, a sender gone mid-body one INFO line. Even an unexpected error is turned into
a response by this route: a re-raise would make uvicorn log it twice and drop the connection.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from bot.domain.errors import BackendUnavailable
from bot.services.intake import Screened
from bot.web.body import BodyTooLarge, error, is_json, read_body
from bot.web.dependencies import WebDependencies, WorkerThreads
from bot.web.intake_writer import IntakeWriter

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class WebhookEndpoint:
    def __init__(
        self, deps: WebDependencies, workers: WorkerThreads, writer: IntakeWriter | None = None
    ) -> None:
        self._deps = deps
        self._workers = workers
        self._writer = writer  # records on one thread, a commit per batch (embedded SQLite)

    async def handle(self, request: Request) -> Response:
        source = request.path_params["source"]
        started = time.perf_counter()
        try:
            reply = await self._handle(request, source)
        except Exception:  # answered here, not re-raised: see the module doc
            log.exception("webhook failed unexpectedly", extra={"source": source})
            reply = error(500, "internal error; the request was not processed, retry later")
        intake = self._deps.intake
        if intake is not None and source in intake.sources():
            self._deps.metrics.webhook_handled(
                source, reply.status_code, time.perf_counter() - started
            )
        return reply

    async def _handle(self, request: Request, source: str) -> Response:
        intake = self._deps.intake
        if intake is None or source not in intake.sources():
            return error(404, f"unknown webhook source {source!r}")
        body = await self._read(request, source)
        if isinstance(body, Response):
            return body
        if not is_json(request.headers.get("content-type")):
            return error(415, "content type must be application/json")
        try:
            # answered on the loop when nothing has to wait (a bad signature, a settled re-send
            # on SQLite): a hop to a worker thread cost more than the answer (issue 17)
            screened = intake.screen(source, body, request.headers)
            if not isinstance(screened, Screened):
                reply = screened
            elif self._writer is not None:
                reply = await self._writer.record(screened)
            else:
                reply = await self._workers.run(intake.record, screened)
        except BackendUnavailable as exc:
            # one line, no traceback: an outage is expected and the sender will retry
            log.warning(
                "webhook refused: backend unavailable", extra={"source": source, "error": str(exc)}
            )
            return JSONResponse(
                {"error": f"temporarily unavailable: {exc}; retry"},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)

    async def _read(self, request: Request, source: str) -> bytes | Response:
        """The body, or the answer that ends the request when it cannot be read."""
        limit, deadline = self._deps.max_body_bytes, self._deps.read_timeout_seconds
        try:
            async with asyncio.timeout(deadline):
                return await read_body(request, limit)
        except BodyTooLarge:
            return error(413, f"body larger than {limit} bytes")
        except TimeoutError:
            # the rest of the body may still be on its way: this connection cannot be reused
            log.info("webhook body too slow", extra={"source": source})
            return error(
                408, f"body not received within {deadline:g} s", headers={"Connection": "close"}
            )
        except ClientDisconnect:
            # nobody is left to answer, and it is not an error of ours
            log.info("webhook sender disconnected mid-body", extra={"source": source})
            return error(400, "client disconnected before the body was complete")
