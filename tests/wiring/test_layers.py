"""The layer rule, read from the source: no import runs back up the layers.

Every `import` and `from ... import` in every module counts, wherever it sits: at the top,
inside a function, or under TYPE_CHECKING (a layer violation hidden in a function-local
import is still one). Relative imports are resolved against the module's package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot

SOURCE_ROOT = Path(bot.__file__).parent.parent  # the folder `bot/` sits in

# The one table: each layer, and the layers above it that it must never import.
LAYERS: dict[str, tuple[str, ...]] = {
    "bot.domain": ("bot.slack", "bot.wiring"),
    "bot.ports": ("bot.slack", "bot.wiring"),
    "bot.adapters": ("bot.slack", "bot.wiring"),
    "bot.gates": ("bot.slack", "bot.wiring"),
    "bot.services": ("bot.slack", "bot.wiring"),
    "bot.events": ("bot.slack", "bot.wiring"),
    "bot.commands": ("bot.slack", "bot.wiring"),
    "bot.slack": ("bot.wiring",),
}


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(root: Path, path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file; `from a import b` yields a and a.b, since
    b may be a submodule."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(root, path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def violations(root: Path, layer: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((root / layer.replace(".", "/")).rglob("*.py")):
        for line, module in imported_modules(root, path):
            if any(is_within(module, above) for above in forbidden):
                found.append(f"{path.relative_to(root).as_posix()}:{line} imports {module}")
    return sorted(set(found))


@pytest.mark.parametrize(("layer", "forbidden"), sorted(LAYERS.items()))
def test_no_import_runs_back_up(layer: str, forbidden: tuple[str, ...]) -> None:
    assert (SOURCE_ROOT / layer.replace(".", "/")).is_dir(), f"{layer} is not a package"
    assert violations(SOURCE_ROOT, layer, forbidden) == []


def test_the_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The checker itself: top-level, function-local, TYPE_CHECKING and relative imports."""
    fake = tmp_path / "bot" / "services" / "sample"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "mod.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import bot.slack.app\n"
        "if TYPE_CHECKING:\n"
        "    from bot.wiring.slack import SlackSide\n"
        "def later() -> None:\n"
        "    from bot import wiring\n"
        "from ...slack import gateway\n"
        "from ..nudges import scheduler\n"
    )
    assert violations(tmp_path, "bot.services", ("bot.slack", "bot.wiring")) == [
        "bot/services/sample/mod.py:2 imports bot.slack.app",
        "bot/services/sample/mod.py:4 imports bot.wiring.slack",
        "bot/services/sample/mod.py:4 imports bot.wiring.slack.SlackSide",
        "bot/services/sample/mod.py:6 imports bot.wiring",
        "bot/services/sample/mod.py:7 imports bot.slack",
        "bot/services/sample/mod.py:7 imports bot.slack.gateway",
    ]
