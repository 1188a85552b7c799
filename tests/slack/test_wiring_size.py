"""The Bolt app factory stays thin: registrations only, under 80 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.slack.app as app_module


def test_build_bolt_app_is_short() -> None:
    tree = ast.parse(Path(app_module.__file__).read_text())
    factory = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "build_bolt_app"
    )
    assert factory.end_lineno is not None
    assert factory.end_lineno - factory.lineno + 1 < 80


def test_no_module_level_app() -> None:
    assert not any(type(v).__name__ == "App" for v in vars(app_module).values())
