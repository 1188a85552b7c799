"""`pip install .` (no extras, what the Dockerfile does) must give a `marshal` that imports.

Stub packages (mypy_boto3_*), test tools and linters come only with the `dev` extra, so no
module under bot/ may import them at run time: only inside `if TYPE_CHECKING:`. The dev-only
import names are derived from pyproject.toml's dependency lists and the installed packages'
own requirements, so a new dev dependency is covered without editing this test.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(requirements: Iterable[str]) -> set[str]:
    """Every distribution the requirements pull in, following extras, by normalised name."""
    seen: set[str] = set()
    pending = [Requirement(r) for r in requirements]
    visited: set[tuple[str, frozenset[str]]] = set()
    while pending:
        requirement = pending.pop()
        name = _normalise(requirement.name)
        extras = frozenset(requirement.extras)
        if (name, extras) in visited:
            continue
        visited.add((name, extras))
        seen.add(name)
        try:
            needs = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue  # e.g. a platform-specific dependency not installed here
        for text in needs:
            child = Requirement(text)
            wanted = child.marker is None or any(
                child.marker.evaluate({"extra": extra}) for extra in {"", *extras}
            )
            if wanted:
                pending.append(child)
    return seen


def dev_only_import_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _closure(project["dependencies"])
    dev_only = _closure(project["optional-dependencies"]["dev"]) - runtime
    return {
        module
        for module, distributions in metadata.packages_distributions().items()
        if distributions and all(_normalise(d) in dev_only for d in distributions)
    }


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, top-level module) of every absolute import outside `if TYPE_CHECKING:` bodies."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)  # the else branch runs
            continue
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]
        stack.extend(ast.iter_child_nodes(node))


def test_the_dev_only_names_include_the_stub_packages_and_test_tools() -> None:
    names = dev_only_import_names()
    assert {"mypy_boto3_dynamodb", "mypy_boto3_sqs", "moto", "pytest", "hypothesis"} <= names
    # runtime dependencies are never counted as dev-only
    assert not {"boto3", "botocore", "yaml", "pydantic", "starlette"} & names


def test_the_walk_sees_imports_outside_type_checking_only() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import moto\n"
        "if TYPE_CHECKING:\n    import pytest\nelse:\n    import hypothesis\n"
        "def f():\n    from mypy_boto3_sqs import SQSClient\n"
    )
    found = sorted(name for _, name in runtime_imports(ast.parse(source)))
    assert found == ["hypothesis", "moto", "mypy_boto3_sqs", "typing"]


def test_no_module_under_bot_imports_a_dev_only_package_at_run_time() -> None:
    dev_only = dev_only_import_names()
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for line, name in runtime_imports(ast.parse(path.read_text(), str(path)))
        if name in dev_only
    ]
    assert offenders == [], "dev-only packages imported outside TYPE_CHECKING:\n" + "\n".join(
        offenders
    )
