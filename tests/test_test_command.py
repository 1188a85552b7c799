"""What `python3 scripts/bootstrap.py test` runs (CI runs exactly that): the whole run holds
both coverage floors; the fast lane passes its arguments to pytest and holds none; mypy checks
the tests as strictly as bot/; every subprocess suite is in the slow lane."""

from __future__ import annotations

import importlib
import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "scripts" / "bootstrap.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _commands(steps: list[list[Any]]) -> list[list[str]]:
    """Each step as it is echoed: the tool's name, then its arguments."""
    return [[Path(str(step[0])).name, *map(str, step[1:])] for step in steps]


def test_the_whole_run_holds_the_gate_s_100_and_an_overall_floor() -> None:
    bootstrap = _bootstrap()
    steps = _commands(bootstrap.checks([]))
    assert [s[:2] for s in steps[:3]] == [["ruff", "check"], ["ruff", "format"], ["mypy"]]
    [pytest_step] = [s for s in steps if s[1:3] == ["-m", "pytest"]]
    assert "--cov=bot" in pytest_step and "--cov-branch" in pytest_step
    assert steps.index(pytest_step) == len(steps) - 3  # the floors read what it measured
    gate, overall = steps[-2:]
    assert gate[:2] == ["coverage", "report"]
    assert "--include=bot/gates/*" in gate and "--fail-under=100" in gate
    assert overall[:2] == ["coverage", "report"]
    assert not any(a.startswith("--include") for a in overall)  # the whole of bot/
    assert f"--fail-under={bootstrap.OVERALL_FLOOR}" in overall
    assert 80 <= bootstrap.OVERALL_FLOOR < 100


def test_the_fast_lane_passes_its_arguments_to_pytest_and_holds_no_floor() -> None:
    steps = _commands(_bootstrap().checks(["-m", "not slow"]))
    assert [s[0] for s in steps] == ["ruff", "ruff", "mypy", "python"]  # no plain install either
    assert steps[-1][-2:] == ["-m", "not slow"]
    assert not any(a.startswith("--cov") for a in steps[-1])  # a partial run measures nothing


def test_mypy_checks_the_tests_as_strictly_as_the_bot() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy["strict"] is True
    assert set(mypy["packages"]) == {"bot", "tests"}
    relaxed = [o for o in mypy.get("overrides", []) if any("tests" in m for m in o["module"])]
    assert relaxed == []


@pytest.mark.parametrize(
    "module",
    sorted(
        f"tests.{p.parent.name}.{p.stem}"
        for suite in ("e2e", "aws")
        for p in (ROOT / "tests" / suite).glob("test_*.py")
    ),
)
def test_every_subprocess_suite_is_in_the_slow_lane(module: str) -> None:
    assert importlib.import_module(module).pytestmark.name == "slow"


class CommandsRun:
    """Stands in for bootstrap's command runner: records each command, answers success."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, ...]] = []

    def __call__(self, *cmd: str) -> int:
        self.ran.append(cmd)
        return 0


def test_test_installs_debians_chromium_only_when_it_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bootstrap = _bootstrap()
    record = CommandsRun()
    ran = record.ran
    monkeypatch.setattr(bootstrap, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.setattr(bootstrap.shutil, "which", lambda name: f"/usr/bin/{name}")
    bootstrap.ensure_chromium(record, is_root=False)
    assert ran == []  # not root: says what to run instead
    bootstrap.ensure_chromium(record, is_root=True)
    assert ran == [("apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium")]
    (tmp_path / "chromium").write_text("")
    bootstrap.ensure_chromium(record, is_root=True)
    assert len(ran) == 1  # present: nothing to do


def test_each_step_says_how_long_it_took(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bootstrap = _bootstrap()
    record = CommandsRun()
    ran = record.ran
    monkeypatch.setattr(bootstrap, "_run", record)
    assert bootstrap.run_checks(["-m", "not slow"]) == 0
    took = [
        line for line in capsys.readouterr().err.splitlines() if line.startswith("bootstrap: took")
    ]
    assert len(took) == len(ran) == 4
    assert all(line.endswith(" s") for line in took)
