"""The console's templates and static files ship in a plain `pip install .` (package data)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import bot

ROOT = Path(bot.__file__).parent


def test_every_console_template_and_static_file_is_package_data() -> None:
    config = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["bot"]
    shipped = {p for pattern in patterns for p in ROOT.glob(pattern)}
    console = ROOT / "web" / "console"
    files = [p for folder in ("templates", "static") for p in (console / folder).iterdir()]
    assert files, "the console has templates and static files"
    assert [p.name for p in files if p not in shipped] == []
