"""What bot/ may import from its libraries: Slack's public API only (no `internals` or
`_private` modules, which change without notice between minor releases), and vendor HTTP
only through the one outbound adapter (bot/adapters/http/client.py), not hand-written
urllib stacks beside it."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

ROOT = Path(bot.__file__).resolve().parent
SLACK_LIBRARIES = ("slack_bolt", "slack_sdk")
RAW_HTTP = ("urllib.request", "http.client")


def imported_modules(source: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names)
    return found


def _private_slack(module: str) -> bool:
    parts = module.split(".")
    return parts[0] in SLACK_LIBRARIES and any(
        part == "internals" or part.startswith("_") for part in parts[1:]
    )


def test_the_scanner_sees_both_import_forms() -> None:
    source = (
        "from slack_bolt.adapter.socket_mode.internals import run_bolt_app\n"
        "import slack_sdk._private\n"
        "from slack_bolt.adapter.socket_mode import SocketModeHandler\n"
    )
    flagged = [m for _, m in imported_modules(source) if _private_slack(m)]
    assert flagged == [
        "slack_bolt.adapter.socket_mode.internals",
        "slack_bolt.adapter.socket_mode.internals.run_bolt_app",
        "slack_sdk._private",
    ]


def test_bot_uses_only_the_public_slack_api() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted(ROOT.rglob("*.py"))
        for line, module in imported_modules(path.read_text())
        if _private_slack(module)
    ]
    assert offenders == []


def test_vendor_adapters_call_http_only_through_the_outbound_adapter() -> None:
    adapters, outbound = ROOT / "adapters", ROOT / "adapters" / "http"
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted(adapters.rglob("*.py"))
        for line, module in imported_modules(path.read_text())
        if module.startswith(RAW_HTTP)
        or (module.startswith("httpx2") and outbound not in path.parents)
    ]
    assert offenders == []
