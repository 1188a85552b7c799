"""Only bot/gates/ (and the Statuspage adapter itself) may call the status page's writes."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

WRITE_METHODS = frozenset({"create_incident", "update_incident", "set_component_status"})
ROOT = Path(bot.__file__).resolve().parent
ALLOWED = (ROOT / "gates", ROOT / "adapters" / "statuspage")


def write_calls(source: str) -> list[tuple[int, str]]:
    """(line, method) for every call of a status-page write method, however it is reached:
    `x.create_incident(...)`, `getattr(x, "create_incident")` or a bare imported name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = (
            func.attr
            if isinstance(func, ast.Attribute)
            else func.id
            if isinstance(func, ast.Name)
            else None
        )
        if name == "getattr" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
            name = str(node.args[1].value)
        if name in WRITE_METHODS:
            found.append((node.lineno, name))
    return found


def test_the_scanner_sees_every_call_form() -> None:
    source = (
        "page.create_incident(name='x')\n"
        "getattr(page, 'update_incident')(1)\n"
        "set_component_status('c', 's')\n"
        "page.get_incident('x')\n"
    )
    assert sorted(write_calls(source)) == [
        (1, "create_incident"),
        (2, "update_incident"),
        (3, "set_component_status"),
    ]


def test_no_module_outside_the_gate_writes_to_the_status_page() -> None:
    offenders = []
    scanned = 0
    for path in sorted(ROOT.rglob("*.py")):
        if any(path.is_relative_to(allowed) for allowed in ALLOWED):
            continue
        scanned += 1
        for line, name in write_calls(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT.parent)}:{line} calls {name}")
    assert scanned > 20  # the walk really covered the package
    assert offenders == [], "only bot/gates/ may write to the status page:\n" + "\n".join(offenders)


def test_the_gate_is_where_the_writes_are() -> None:
    """Inside the gate, one module sends: the publisher (the gate class orchestrates)."""
    writers = {
        path.name: {name for _, name in write_calls(path.read_text(encoding="utf-8"))}
        for path in sorted((ROOT / "gates").glob("*.py"))
    }
    assert {name: calls for name, calls in writers.items() if calls} == {
        "publisher.py": {"create_incident", "update_incident"}
    }
