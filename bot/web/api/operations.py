"""Operation: one endpoint of the operator API, as data (method, path, scope, models, handler).

The same table yields the Starlette routes (routes.py) and the OpenAPI document
(openapi.py), so the document cannot describe an endpoint that is not served, or miss one.
Handlers are plain blocking functions (the stores are blocking); routes.py runs them on the
web app's worker threads, after authentication, the scope check and the rate limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from bot.domain.api_tokens import ApiToken, TokenScope
from bot.services.operator.idempotency import IdempotentWrites
from bot.services.operator.tokens import TokenAuthority
from bot.web.api.access import RateLimiter
from bot.web.api.schemas import WriteAnswer


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Call:
    """One authenticated request, as a handler sees it."""

    token: ApiToken
    actor: str  # "api:<token name>" (the MCP server calls services as "agent:<token name>")
    path: Mapping[str, str]
    query: Mapping[str, str]
    body: BaseModel | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # JSON-ready

    @classmethod
    def error(cls, status: int, message: str, **extra: Any) -> Reply:
        return cls(status, {"error": message, **extra})


@dataclass(frozen=True)
class Operation:
    method: str  # GET or POST
    path: str  # under /api/v1, e.g. "/incidents/{incident_id}/notes"
    operation_id: str
    summary: str
    handler: Callable[[Call], Reply]
    scope: TokenScope = TokenScope.READ
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    success_status: int = 200
    query: Sequence[QueryParam] = ()
    errors: Sequence[int] = ()  # besides 400/401/403/429, which every operation may answer

    @property
    def is_write(self) -> bool:
        return self.method != "GET"


# what a write on an incident may answer besides 400/401/403/429: a missing incident, a
# conflicting state, a refused value, no write side in this process
WRITE_ERRORS = (404, 409, 422, 503)


def write_operation(
    method: str,
    path: str,
    operation_id: str,
    summary: str,
    handler: Callable[[Call], Reply],
    *,
    body: type[BaseModel],
    success_status: int = 200,
) -> Operation:
    """A write on an incident: the write scope, a strict body and the WriteAnswer reply."""
    return Operation(
        method,
        path,
        operation_id,
        summary,
        handler,
        scope=TokenScope.WRITE,
        body=body,
        response=WriteAnswer,
        success_status=success_status,
        errors=WRITE_ERRORS,
    )


class OperationModule(Protocol):
    """A capability's endpoints (incidents, escalations, follow-ups, ops runs, ...): one module
    each, listed once in wiring (bot/wiring/operator_api.py)."""

    def operations(self) -> Sequence[Operation]: ...


@dataclass
class ApiDependencies:
    """What the API's routes are built from (wiring builds it: bot/wiring/operator_api.py)."""

    authority: TokenAuthority
    writes: IdempotentWrites
    limiter: RateLimiter
    modules: Sequence[OperationModule]
    max_body_bytes: int = 256 * 1024
