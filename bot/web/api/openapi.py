"""The OpenAPI 3.1 document of /api/v1, generated from the operation table and the same
pydantic models the handlers parse and answer with (served at /api/v1/openapi.json)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot import __version__
from bot.web.api.operations import Operation
from bot.web.api.schemas import ErrorBody

REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{([^}:]+)}")
_ERROR_TEXT = {
    400: "bad request: a missing Idempotency-Key, bad JSON, or a bad field (named)",
    401: "missing, unknown or revoked bearer token (the message says which)",
    403: "the token's scope does not allow this, or a permission check refused it",
    404: "no such incident",
    409: "the command could not be done now, or the same Idempotency-Key is still running",
    413: "body too large",
    422: "the command could not use what was sent, or the Idempotency-Key was reused for "
    "another request",
    429: "rate limit reached; see Retry-After",
    503: "store unavailable, or writes are not served by this process; retry later",
}


def openapi_document(operations: Sequence[Operation]) -> dict[str, Any]:
    models: list[type[BaseModel]] = [ErrorBody]
    for op in operations:
        models += [m for m in (op.body, op.response) if m is not None]
    unique = list(dict.fromkeys(models))
    _, schemas = models_json_schema(
        [(m, "validation" if _is_body(m, operations) else "serialization") for m in unique],
        ref_template=REF,
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "marshal operator API", "version": __version__},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _is_body(model: type[BaseModel], operations: Sequence[Operation]) -> bool:
    return any(op.body is model for op in operations)


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"$ref": REF.format(model=model.__name__)}


def _operation(op: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAM.findall(op.path)
    ]
    parameters += [
        {
            "name": q.name,
            "in": "query",
            "required": False,
            "description": q.description,
            "schema": dict(q.schema),
        }
        for q in op.query
    ]
    if op.is_write:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "a replay with the same key returns the first response",
                "schema": {"type": "string", "maxLength": 200},
            }
        )
    success: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": _ref(op.response)}}
    responses: dict[str, Any] = {str(op.success_status): success}
    for status in sorted({400, 401, 403, 429, *op.errors}):
        responses[str(status)] = {
            "description": _ERROR_TEXT.get(status, "error"),
            "content": {"application/json": {"schema": _ref(ErrorBody)}},
        }
    described: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": f"Needs a token with {op.scope.value} scope.",
        "parameters": parameters,
        "responses": responses,
    }
    if op.body is not None:
        described["requestBody"] = {
            "required": op.method != "DELETE",  # ending something needs no body
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    return described
