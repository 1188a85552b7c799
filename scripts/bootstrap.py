#!/usr/bin/env python3
"""Bootstrap a fresh machine (only python3 needed) and run marshal or its checks.

    python3 scripts/bootstrap.py up            # venv + install, then `marshal up`
    python3 scripts/bootstrap.py marshal ARGS  # any marshal subcommand
    python3 scripts/bootstrap.py test          # venv + install, ruff, mypy, plain install, pytest,
                                               # coverage

The virtualenv lives in `.venv/` and is reinstalled only when pyproject.toml changes,
so the second run starts in a second. `test` also builds `.venv-plain/` (the package without
its dev extra, as the Dockerfile installs it) and starts `marshal up` from it: see
scripts/plain_install.py.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
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


def run_checks() -> int:
    steps: list[list[str | Path]] = [
        [BIN / "ruff", "check", "."],
        [BIN / "ruff", "format", "--check", "."],
        [BIN / "mypy"],
        # `pip install .` without the dev extra (the Dockerfile's way) must start and be ready
        [sys.executable, ROOT / "scripts" / "plain_install.py"],
        [
            BIN / "python",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            "--cov=bot",
            "--cov-branch",
            "--cov-report=",
            *sys.argv[2:],
        ],
        # the approval gate is the one path to the public status page: every branch is tested
        [
            BIN / "coverage",
            "report",
            "--include=bot/gates/*",
            "--fail-under=100",
            "--show-missing",
        ],
    ]
    for step in steps:
        print(
            "bootstrap: $",
            " ".join(Path(str(step[0])).name if i == 0 else str(s) for i, s in enumerate(step)),
            file=sys.stderr,
            flush=True,
        )
        code = _run(*step)
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
        return run_checks()
    args = ["up"] if sys.argv[1] == "up" else sys.argv[2:]
    marshal = BIN / "marshal"
    os.execv(marshal, [str(marshal), *args])
    return 0  # unreachable


if __name__ == "__main__":
    sys.exit(main())
