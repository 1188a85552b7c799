#!/usr/bin/env python3
"""Prove the plain install works: `pip install .` with no extras, as the Dockerfile does.

    python3 scripts/plain_install.py     # one of `scripts/bootstrap.py test`'s steps

The dev extra brings stub packages and test tools the image never has, so a module that
imports one at run time passes every test in .venv and crashes in production. This step
builds `.venv-plain/` (dependencies reinstalled only when pyproject.toml changes), installs
the package from a copy of exactly what the Dockerfile copies (pyproject.toml, README.md,
bot/), runs `marshal --help`, then starts `marshal up` on the embedded defaults until
`GET /readyz` answers 200, and stops it with SIGTERM. Any failure exits non-zero.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-plain"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".marshal-installed"
READY_SECONDS = 60.0
STOP_SECONDS = 10.0
# Settings of the developer's shell must not reach the check (real Slack tokens, AWS, ...).
_FOREIGN_PREFIXES = ("MARSHAL_", "SLACK_", "AWS_", "STATUSPAGE_", "LINEAR_", "ANTHROPIC_")


class CheckFailed(Exception):
    pass


def _pip(*args: str | Path, cwd: Path = ROOT) -> None:
    command = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if subprocess.call([*command, *map(str, args)], cwd=cwd) != 0:
        raise CheckFailed("pip install failed (see above)")


def _docker_context(into: Path) -> Path:
    """What the Dockerfile's build stage copies, and nothing else."""
    into.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", into)
    shutil.copy2(ROOT / "README.md", into)
    shutil.copytree(ROOT / "bot", into / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    return into


def install(scratch: Path) -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    source = _docker_context(scratch / "src")
    if not (STAMP.exists() and STAMP.read_text() == wanted):
        print("plain-install: building .venv-plain (pip install ., no extras)", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        _pip("--upgrade", "pip")
        _pip(".", cwd=source)
        STAMP.write_text(wanted)
    else:
        # Dependencies are current; the package itself is today's code.
        _pip("--no-deps", "--force-reinstall", ".", cwd=source)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(scratch: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_PREFIXES)}
    env.update(
        MARSHAL_DB_PATH=str(scratch / "marshal.db"),
        MARSHAL_HTTP_HOST="127.0.0.1",
        MARSHAL_HTTP_PORT=str(port),
        MARSHAL_SANDBOX_PORT="0",
        MARSHAL_POSTMORTEM_DIR=str(scratch / "postmortems"),
    )
    return env


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return int(answer.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def run_marshal(scratch: Path) -> None:
    port = _free_port()
    env = _environment(scratch, port)
    marshal = str(BIN / "marshal")
    # cwd is the scratch dir: no .env or var/ of the checkout is read
    helped = subprocess.run(
        [marshal, "--help"], cwd=scratch, env=env, capture_output=True, text=True, check=False
    )
    if helped.returncode != 0 or "up" not in helped.stdout:
        raise CheckFailed(f"`marshal --help` exited {helped.returncode}:\n{helped.stderr}")
    log_path = scratch / "marshal-up.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([marshal, "up"], cwd=scratch, env=env, stdout=log, stderr=log)
        try:
            _await_ready(process, f"http://127.0.0.1:{port}/readyz")
            process.send_signal(signal.SIGTERM)
            code = process.wait(STOP_SECONDS)
        except (CheckFailed, subprocess.TimeoutExpired) as exc:
            process.kill()
            process.wait()
            output = log_path.read_text()
            raise CheckFailed(f"{exc}\n--- marshal up's output ---\n{output}") from exc
    if code != 0:
        raise CheckFailed(f"`marshal up` exited {code} on SIGTERM:\n{log_path.read_text()}")


def _await_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CheckFailed(f"`marshal up` exited {process.returncode} before it was ready")
        if _ready(url):
            return
        time.sleep(0.2)
    raise CheckFailed(f"`marshal up` did not answer 200 on {url} within {READY_SECONDS:.0f} s")


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="marshal-plain-") as tmp:
        scratch = Path(tmp)
        try:
            install(scratch)
            run_marshal(scratch)
        except CheckFailed as exc:
            print(f"plain-install: FAILED: {exc}", file=sys.stderr)
            return 1
    print(
        f"plain-install: `pip install .` runs `marshal up` to ready "
        f"({time.monotonic() - started:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
