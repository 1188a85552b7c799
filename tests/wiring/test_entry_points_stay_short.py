"""The wiring reads top to bottom: each entry point that assembles marshal stays under 80 lines."""

from __future__ import annotations

import ast
import inspect

import pytest

import bot.cli.serve
import bot.slack.wiring
import bot.wiring.ingress
import bot.wiring.processor
import bot.wiring.resolution
import bot.wiring.slack


@pytest.mark.parametrize(
    ("module", "function"),
    [
        (bot.cli.serve, "serve"),
        (bot.wiring.processor, "start_processor"),
        (bot.wiring.ingress, "start_web"),
        (bot.wiring.slack, "build_slack_side"),
        (bot.wiring.slack, "start_slack_app"),
        (bot.wiring.resolution, "build_resolution"),
        (bot.slack.wiring, "start_slack"),
    ],
)
def test_entry_point_is_short(module: object, function: str) -> None:
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    assert node.end_lineno is not None
    assert node.end_lineno - node.lineno + 1 < 80
