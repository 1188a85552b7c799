#!/usr/bin/env python3
"""Bootstrap a fresh machine (only python3 needed) and run marshal or its checks.

    python3 scripts/bootstrap.py up            # venv + install, then `marshal up`
    python3 scripts/bootstrap.py marshal ARGS  # any marshal subcommand
    python3 scripts/bootstrap.py test          # venv + install, ruff, mypy, plain install, pytest,
                                               # coverage
    python3 scripts/bootstrap.py test -m "not slow"   # the fast lane: extra args go to pytest

The virtualenv lives in `.venv/` and is reinstalled only when pyproject.toml changes,
so the second run starts in a second. `test` also builds `.venv-plain/` (the package without
its dev extra, as the Dockerfile installs it) and starts `marshal up` from it: see
scripts/plain_install.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".marshal-installed"


def _run(*cmd: str | Path) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT)


def ensure_environment() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("bootstrap: creating .venv", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    print("bootstrap: installing marshal and its dependencies", file=sys.stderr)
    pip = [BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if _run(*pip, "--upgrade", "pip") != 0 or _run(*pip, "-e", ".[dev]") != 0:
        sys.exit("bootstrap: pip install failed (see above)")
    STAMP.write_text(wanted)


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium(run: Callable[..., int] = _run, *, is_root: bool | None = None) -> None:
    """The browser tests (tests/browser) drive Debian's chromium headless; CI runs `test` as root
    on a Debian machine where it may not be installed yet, so install it once, quietly."""
    if CHROMIUM.exists() or shutil.which("apt-get") is None:
        return
    if not (os.geteuid() == 0 if is_root is None else is_root):
        print(
            "bootstrap: chromium is missing; as root: apt-get install -y chromium", file=sys.stderr
        )
        return
    print("bootstrap: installing Debian's chromium for the browser tests", file=sys.stderr)
    apt = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    if run(*apt) != 0:
        run("apt-get", "update", "-q")
        run(*apt)


# The whole suite's branch coverage of bot/ must not slip: a little under what it measures
# (89.95% on 26 November 2026), so a change that drops tests or adds untested code fails here.
OVERALL_FLOOR = 88

Step = list[str | Path]


def checks(pytest_args: list[str]) -> list[Step]:
    """The steps of `test`. Without extra pytest arguments: the plain install, then the whole
    suite under coverage, and both floors hold. With any (`-m "not slow"`, `-k`, a path) the run
    may be partial, the inner loop's: no plain install, no coverage and no floors, which only a
    whole run can meet."""
    whole = not pytest_args
    pytest: Step = [BIN / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"]
    if whole:
        pytest += ["--cov=bot", "--cov-branch", "--cov-report="]
    steps: list[Step] = [
        [BIN / "ruff", "check", "."],
        [BIN / "ruff", "format", "--check", "."],
        [BIN / "mypy"],  # bot/ and tests/, strict (pyproject.toml)
    ]
    if whole:
        # `pip install .` without the dev extra (the Dockerfile's way) must start and be ready
        steps.append([sys.executable, ROOT / "scripts" / "plain_install.py"])
    steps.append([*pytest, *pytest_args])
    if whole:
        steps += [
            # the approval gate is the one path to the public status page: every branch is tested
            [
                BIN / "coverage",
                "report",
                "--include=bot/gates/*",
                "--fail-under=100",
                "--show-missing",
            ],
            # and the whole package, as one number
            [BIN / "coverage", "report", f"--fail-under={OVERALL_FLOOR}", "--format=total"],
        ]
    return steps


def run_checks(pytest_args: list[str]) -> int:
    if pytest_args:
        print(
            "bootstrap: extra pytest arguments may select part of the suite:"
            " no coverage floors on this run (the plain `test` holds them)",
            file=sys.stderr,
        )
    for step in checks(pytest_args):
        print(
            "bootstrap: $",
            " ".join(Path(str(step[0])).name if i == 0 else str(s) for i, s in enumerate(step)),
            file=sys.stderr,
            flush=True,
        )
        started = time.monotonic()
        code = _run(*step)
        # each step's time, so a slow suite shows which phase grew (BENCHMARKS.md "Test suite")
        print(f"bootstrap: took {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
        if code != 0:
            # pytest's 5 ("no tests collected") fails too: a suite that ran nothing proved nothing.
            return code
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"up", "marshal", "test"}:
        print(__doc__, file=sys.stderr)
        return 2
    ensure_environment()
    if sys.argv[1] == "test":
        ensure_chromium()
        return run_checks(sys.argv[2:])
    args = ["up"] if sys.argv[1] == "up" else sys.argv[2:]
    marshal = BIN / "marshal"
    os.execv(marshal, [str(marshal), *args])
    return 0  # unreachable


if __name__ == "__main__":
    sys.exit(main())
