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


def module_graph(root: Path) -> dict[str, set[str]]:
    """Each module of `bot` -> the modules of `bot` it imports (a name imported from a
    module counts as that module, unless it is a submodule itself)."""
    files = {module_name(root, p): p for p in sorted((root / "bot").rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = {m for _, m in imported_modules(root, path) if m in files}
        graph[name] = {t for t in targets if t != name and not name.startswith(f"{t}.")}
    # `from bot.x import y` yields both bot.x and bot.x.y: keep only the submodule when y is one
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not any(o.startswith(f"{t}.") for o in targets)}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_through_others() -> None:
    """TYPE_CHECKING imports count: a circle hidden from the interpreter is still one."""
    assert circles(module_graph(SOURCE_ROOT)) == []


def test_the_circle_finder_finds_one(tmp_path: Path) -> None:
    web = tmp_path / "bot" / "web"
    web.mkdir(parents=True)
    for name in ("__init__", "body"):
        (web / f"{name}.py").write_text("")
    (web / "app.py").write_text("from bot.web.webhooks import WebhookEndpoint\n")
    (web / "webhooks.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.web.app import Deps\n"
        "from bot.web import body\n"
    )
    assert circles(module_graph(tmp_path)) == [["bot.web.app", "bot.web.webhooks"]]
