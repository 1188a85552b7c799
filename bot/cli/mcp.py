"""`marshal mcp [--allow-writes] [--http [--host H] [--port P]]`: the Model Context Protocol
server for AI agents (bot/mcp). Over stdio it acts with MARSHAL_API_TOKEN; over HTTP each
request brings its own bearer token. Nothing but the protocol goes to stdout."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.domain.errors import BackendUnavailable

if TYPE_CHECKING:
    from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mcp = commands.add_parser("mcp", help="serve the Model Context Protocol for AI agents")
    mcp.add_argument(
        "--allow-writes",
        action="store_true",
        help="offer the write tools (note, acknowledge, draft a status update) to write-scoped "
        "tokens",
    )
    mcp.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
    mcp.add_argument("--host", default="127.0.0.1", help="with --http (default 127.0.0.1)")
    mcp.add_argument("--port", type=int, default=8091, help="with --http (default 8091)")
    mcp.set_defaults(handler=serve_mcp)


def serve_mcp(args: argparse.Namespace, settings: Settings) -> int:
    # Loaded when the command runs: `marshal --help` must not pay for the SDK and wiring.
    import anyio  # noqa: PLC0415

    from bot.domain.api_tokens import TokenScope  # noqa: PLC0415
    from bot.mcp.server import build_mcp_server, serve_stdio  # noqa: PLC0415
    from bot.services.operator.tokens import TokenRefused  # noqa: PLC0415
    from bot.wiring.backends import open_backends  # noqa: PLC0415
    from bot.wiring.mcp import build_operator_tools  # noqa: PLC0415
    from bot.wiring.operator_api import build_token_authority  # noqa: PLC0415

    try:
        backends = open_backends(settings)
        authority = build_token_authority(settings, backends.audit)
        tools = build_operator_tools(settings, backends, allow_writes=args.allow_writes)
        server = build_mcp_server(tools, allow_writes=args.allow_writes)
        if args.http:
            return _serve_http(args, settings, server, authority)
        secret = settings.marshal_api_token
        token = authority.authenticate(secret.get_secret_value() if secret else None)
    except TokenRefused as exc:
        print(f"marshal: MARSHAL_API_TOKEN refused: {exc}", file=sys.stderr)
        return 2
    except BackendUnavailable as exc:
        print(f"marshal: store unavailable: {exc}", file=sys.stderr)
        return 1
    if args.allow_writes and not token.scope.allows(TokenScope.WRITE):
        print(
            f"marshal: --allow-writes needs a write-scoped token; {token.name!r} is read-only",
            file=sys.stderr,
        )
        return 2
    print(f"marshal: MCP over stdio as agent:{token.name}", file=sys.stderr)
    anyio.run(serve_stdio, server, token)
    return 0


def _serve_http(
    args: argparse.Namespace, settings: Settings, server: object, authority: object
) -> int:
    import uvicorn  # noqa: PLC0415
    from mcp.server.mcpserver import MCPServer  # noqa: PLC0415

    from bot.mcp.server import BearerGuard  # noqa: PLC0415
    from bot.services.operator.tokens import TokenAuthority  # noqa: PLC0415
    from bot.web.api.access import RateLimiter  # noqa: PLC0415

    assert isinstance(server, MCPServer) and isinstance(authority, TokenAuthority)
    app = server.streamable_http_app(stateless_http=True, json_response=True, host=args.host)
    guarded = BearerGuard(app, authority, RateLimiter(settings.marshal_api_rate_limit))
    print(f"marshal: MCP over HTTP at http://{args.host}:{args.port}/mcp", file=sys.stderr)
    uvicorn.run(guarded, host=args.host, port=args.port, log_level="warning", lifespan="on")
    return 0
