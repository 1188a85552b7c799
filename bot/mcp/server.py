"""The MCP server (the official SDK's MCPServer) over OperatorTools, and its transports.

Tool descriptions start with [read-only] or [writes] and carry the matching ToolAnnotations,
so a client can tell them apart before calling. The write tools are listed only when the
server runs with --allow-writes.

Who is calling: over stdio, the token marshal was started with (MARSHAL_API_TOKEN); over
streamable HTTP (--http), each request's own `Authorization: Bearer` token, checked by the
same TokenAuthority as /api/v1 (401 when missing or bad, 429 past the per-token rate limit),
and held in a context variable for the tools of that request.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot import __version__
from bot.domain.api_tokens import ApiToken
from bot.mcp.tools import OperatorTools
from bot.services.operator.tokens import TokenAuthority, TokenRefused
from bot.web.api.access import RateLimiter, bearer_token, retry_after

CALLER: contextvars.ContextVar[ApiToken] = contextvars.ContextVar("marshal_mcp_caller")

READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


def current_caller() -> ApiToken:
    return CALLER.get()


def build_mcp_server(tools: OperatorTools, *, allow_writes: bool) -> MCPServer:
    server: MCPServer = MCPServer(
        "marshal",
        version=__version__,
        instructions=(
            "marshal's incidents: the queue, each incident's detail, timeline and audit trail, "
            "and similar past incidents. Write tools (when enabled) act in the incident's room "
            "as agent:<token name> and are audited; none can approve or publish a status page."
        ),
    )
    reads: list[tuple[Callable[..., Any], str]] = [
        (tools.list_incidents, "The incident queue: open first, then resolved; paged."),
        (tools.incident_detail, "An incident with timeline, roles, durations and drafts."),
        (tools.timeline, "An incident's timeline, oldest first."),
        (tools.audit_trail, "An incident's audit chain, in order."),
        (tools.similar_incidents, "Past incidents that look like this one (title, service)."),
        (tools.list_followups, "Follow-ups: open, overdue or all, soonest due first."),
    ]
    for fn, text in reads:
        server.add_tool(fn, description=f"[read-only] {text}", annotations=READ)
    if allow_writes:
        writes: list[tuple[Callable[..., Any], str]] = [
            (tools.add_note, "Add a note to the incident's timeline."),
            (tools.acknowledge, "Acknowledge the incident."),
            (tools.add_followup, "Add a follow-up (action item) with a due date."),
            (
                tools.draft_status_update,
                "Draft a status-page update for a human to approve in Slack (never publishes).",
            ),
        ]
        for fn, text in writes:
            server.add_tool(fn, description=f"[writes] {text}", annotations=WRITE)
    return server


async def serve_stdio(server: MCPServer, token: ApiToken) -> None:
    CALLER.set(token)
    await server.run_stdio_async()


class BearerGuard:
    """ASGI middleware in front of the streamable HTTP app: one token per request."""

    def __init__(self, app: Asgi, authority: TokenAuthority, limiter: RateLimiter) -> None:
        self._app = app
        self._authority = authority
        self._limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        request = Request(scope)
        presented = bearer_token(request.headers.get("authorization"))
        try:
            token = await anyio.to_thread.run_sync(self._authority.authenticate, presented)
        except TokenRefused as exc:
            refusal = JSONResponse(
                {"error": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
            await refusal(scope, receive, send)
            return
        wait = self._limiter.take(token.id)
        if wait > 0:
            limited = JSONResponse(
                {"error": f"rate limit of token {token.name!r} reached"},
                status_code=429,
                headers={"Retry-After": retry_after(wait)},
            )
            await limited(scope, receive, send)
            return
        reset = CALLER.set(token)
        try:
            await self._app(scope, receive, send)
        finally:
            CALLER.reset(reset)
