"""The operator API's Starlette routes: every Operation behind the same guard.

Order of checks, each with its own answer: the bearer token (401, saying why), its scope
(403), the per-token rate limit (429 + Retry-After); for a write the Idempotency-Key (400
when missing), the body (413 over the limit, 400 for bad JSON or a bad field, naming it),
then the idempotent run (a replay answers the first response with `Idempotent-Replayed:
true`; the key reused for another request is 422, one still running 409). A store outage is
a 503 with Retry-After, as on the webhooks; never a 500 with a trace. Tokens are never logged.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from bot.domain.api_tokens import ApiToken
from bot.domain.errors import BackendUnavailable
from bot.services.operator.idempotency import (
    MAX_KEY_CHARS,
    Answer,
    KeyReused,
    request_fingerprint,
)
from bot.services.operator.tokens import TokenRefused
from bot.web.api.access import bearer_token, retry_after
from bot.web.api.openapi import openapi_document
from bot.web.api.operations import ApiDependencies, Call, Operation, Reply
from bot.web.body import BodyTooLarge, error, read_body
from bot.web.dependencies import WorkerThreads

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def api_routes(deps: ApiDependencies, workers: WorkerThreads) -> list[BaseRoute]:
    operations = [op for module in deps.modules for op in module.operations()]
    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations:
        methods = by_path.setdefault(op.path, {})
        if op.method in methods:
            raise ValueError(f"{op.method} {op.path} is declared twice")
        methods[op.method] = op
    document = openapi_document(operations)

    async def openapi(_: Request) -> Response:
        return JSONResponse(document)

    async def unknown(request: Request) -> Response:
        return error(404, f"no such endpoint: {request.method} {request.url.path}")

    routes: list[BaseRoute] = [Route("/openapi.json", openapi, methods=["GET"])]
    for path, methods in by_path.items():
        endpoint = ApiEndpoint(deps, workers, methods)
        routes.append(Route(path, endpoint.handle, methods=ALL_METHODS))
    routes.append(Route("/{rest:path}", unknown, methods=ALL_METHODS))
    return [Mount(PREFIX, routes=routes)]


class ApiEndpoint:
    def __init__(
        self, deps: ApiDependencies, workers: WorkerThreads, methods: dict[str, Operation]
    ) -> None:
        self._deps = deps
        self._workers = workers
        self._methods = methods

    async def handle(self, request: Request) -> Response:
        op = self._methods.get(request.method)
        if op is None:
            allowed = ", ".join(sorted(self._methods))
            return error(405, f"{request.method} is not allowed here; use {allowed}")
        try:
            return await self._guarded(op, request)
        except BackendUnavailable as exc:
            log.warning("api backend unavailable", extra={"path": op.path, "error": str(exc)})
            return error(
                503, f"store unavailable, retry later: {exc}", headers={"Retry-After": "5"}
            )

    async def _guarded(self, op: Operation, request: Request) -> Response:
        presented = bearer_token(request.headers.get("authorization"))
        try:
            token = await self._workers.run(self._deps.authority.authenticate, presented)
        except TokenRefused as exc:
            return error(401, str(exc), headers={"WWW-Authenticate": 'Bearer realm="marshal"'})
        if not token.scope.allows(op.scope):
            return error(
                403,
                f"token {token.name!r} has {token.scope.value} scope; "
                f"{op.method} {op.path} needs {op.scope.value}",
            )
        wait = self._deps.limiter.take(token.id)
        if wait > 0:
            return error(
                429,
                f"rate limit of token {token.name!r} reached; retry later",
                headers={"Retry-After": retry_after(wait)},
            )
        call = Call(
            token=token,
            actor=f"api:{token.name}",
            path=dict(request.path_params),
            query=dict(request.query_params),
        )
        if not op.is_write:
            return _json(await self._workers.run(op.handler, call))
        return await self._write(op, request, call, token)

    async def _write(
        self, op: Operation, request: Request, call: Call, token: ApiToken
    ) -> Response:
        key = request.headers.get("idempotency-key", "").strip()
        if not key or len(key) > MAX_KEY_CHARS:
            return error(
                400,
                f"the Idempotency-Key header is required on every write (1-{MAX_KEY_CHARS} chars)",
            )
        try:
            raw = await read_body(request, self._deps.max_body_bytes)
        except BodyTooLarge:
            return error(413, f"body over {self._deps.max_body_bytes} bytes")
        parsed = _parse(op, raw)
        if isinstance(parsed, Response):
            return parsed
        call = Call(call.token, call.actor, call.path, call.query, parsed)
        fingerprint = request_fingerprint(op.method, request.url.path, raw)

        def run() -> tuple[int, str]:
            reply = op.handler(call)
            return reply.status, json.dumps(reply.body)

        try:
            done: Answer = await self._workers.run(
                self._deps.writes.run, token.id, key, fingerprint, run
            )
        except KeyReused as exc:
            return error(409 if exc.in_progress else 422, str(exc))
        headers = {"Idempotent-Replayed": "true"} if done.replayed else None
        return Response(
            done.body, status_code=done.status_code, media_type="application/json", headers=headers
        )


def _parse(op: Operation, raw: bytes) -> Any:
    if op.body is None:
        return None
    try:
        data = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return error(400, "the body is not valid JSON")
    try:
        return op.body.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        return error(400, f"{where}: {first.get('msg')}")
    except RecursionError:
        return error(400, "the body is nested too deeply")


def _json(reply: Reply) -> Response:
    return JSONResponse(reply.body, status_code=reply.status)
