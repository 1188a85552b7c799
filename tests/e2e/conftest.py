"""`marshal up` as a real subprocess, driven only through its external contract."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.web.conftest import SECRETS

_LISTENING = re.compile(r"listening on (http://\S+)")
_SANDBOX = re.compile(r"sandbox Slack at (http://\S+)")
# How long a start may take before the test gives up on it. A process that fails exits and
# ends the wait at once (its output closes); this ceiling only covers a start that is slow
# because the machine is busy (several marshal processes importing at once on 2 loaded cores
# took over 30 s), so it is generous rather than a timing claim.
START_CEILING_SECONDS = 90.0


@dataclass
class MarshalProcess:
    process: subprocess.Popen[str]
    env: dict[str, str]
    stderr_path: Path | None = None  # its log lines (JSON), for assertions and post-mortems
    lines: list[str] = field(default_factory=list)
    url: str = ""
    sandbox_url: str = ""
    pump: threading.Thread | None = None

    def stop(self, timeout: float = 10.0) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        return code, time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL (no clean-up runs, as in an OOM kill or a power cut), then reap."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.close()

    def close(self) -> None:
        """Once the process has exited: let the reader drain its output, then close the pipe."""
        if self.pump is not None:
            self.pump.join(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def _pump(marshal: MarshalProcess, ready: threading.Event) -> None:
    assert marshal.process.stdout is not None
    for line in marshal.process.stdout:
        marshal.lines.append(line)
        if found := _LISTENING.search(line):
            marshal.url = found.group(1)
        if found := _SANDBOX.search(line):
            marshal.sandbox_url = found.group(1)
        if "is running" in line:
            ready.set()
    ready.set()


def start_marshal(tmp_path: Path, *args: str, **env: str) -> MarshalProcess:
    return start_marshal_within(START_CEILING_SECONDS, tmp_path, args, env)


def start_marshal_within(
    ready_seconds: float, tmp_path: Path, args: tuple[str, ...], env: dict[str, str]
) -> MarshalProcess:
    """`start_marshal`, waiting `ready_seconds` for "is running" (slow under heavy load)."""
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MARSHAL_", "SLACK_"))},
        "MARSHAL_DB_PATH": str(tmp_path / "marshal.db"),
        "MARSHAL_HTTP_PORT": "0",
        "MARSHAL_SANDBOX_PORT": "0",
        "MARSHAL_POSTMORTEM_DIR": str(tmp_path / "postmortems"),
        **{f"MARSHAL_SECRET_{k.replace('-', '_').upper()}": v for k, v in SECRETS.items()},
        **env,
    }
    stderr_path = tmp_path / "stderr.log"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", *(args or ("up",))],
            env=full_env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    marshal = MarshalProcess(process, full_env, stderr_path)
    ready = threading.Event()
    marshal.pump = threading.Thread(target=_pump, args=(marshal, ready), daemon=True)
    marshal.pump.start()
    if not ready.wait(ready_seconds) or process.poll() is not None:
        process.kill()
        raise AssertionError(
            f"marshal did not start within {ready_seconds:g} s:"
            f" {''.join(marshal.lines)}{stderr_path.read_text()[-2000:]}"
        )
    return marshal


@pytest.fixture
def marshal_up(tmp_path: Path) -> Iterator[MarshalProcess]:
    marshal = start_marshal(tmp_path)
    yield marshal
    if marshal.process.poll() is None:
        marshal.process.kill()
        marshal.process.wait(5)
    if marshal.process.stdout is not None:
        marshal.process.stdout.close()
