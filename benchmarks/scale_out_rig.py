"""For benchmarks/scale_out.py: the parts around marshal, each its own process so none shares a
GIL with the load generator: moto's server with its request log (the one place moto is
started, so its transaction variant is switched here), the sandbox Slack, and the CPU seconds
each process used (from /proc), to say what the machine spent where.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_SERVE_MOTO = """
import logging, threading
logging.disable(logging.CRITICAL)
from tests.fakes.moto_request_log import logged_moto
with logged_moto(per_item={per_item}) as url:
    print(url, flush=True)
    threading.Event().wait()
"""

_SERVE_SANDBOX = """
import logging, threading
logging.disable(logging.CRITICAL)
from bot.sandbox.server import SandboxSlack
slack = SandboxSlack().start()
print(slack.url, slack.bot_token, slack.app_token, flush=True)
threading.Event().wait()
"""


@dataclass(frozen=True)
class Served:
    process: subprocess.Popen[str]
    first_line: list[str]


@contextmanager
def _serve(script: str) -> Iterator[Served]:
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    try:
        line = process.stdout.readline().split()
        if not line:
            raise SystemExit(f"could not start: {script.strip().splitlines()[-3]}")
        yield Served(process, line)
    finally:
        process.kill()
        process.wait(10)
        process.stdout.close()


@contextmanager
def moto(*, per_item: bool) -> Iterator[Served]:
    """moto's server (DynamoDB one request at a time, tests/fakes/moto.py) with its request
    log; `per_item`: transactions that cost per item, where tests/fakes/moto.py has them."""
    with _serve(_SERVE_MOTO.format(per_item=per_item)) as served:
        yield served


@contextmanager
def sandbox() -> Iterator[Served]:
    """The sandbox Slack; first_line is its URL, bot token and app token."""
    with _serve(_SERVE_SANDBOX) as served:
        yield served


def moto_log(endpoint: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{endpoint}/_request_log", timeout=10) as response:
        log: dict[str, Any] = json.loads(response.read())
    return log


def calls_by_caller(log: dict[str, Any]) -> dict[str, Counter[str]]:
    """caller -> Counter('service.Operation')."""
    calls: dict[str, Counter[str]] = {}
    for call in log["calls"]:
        calls.setdefault(call["caller"], Counter())[f"{call['service']}.{call['operation']}"] += (
            call["count"]
        )
    return calls


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process `pid` has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def wait_for(condition: Any, timeout: float, what: str, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(every)
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
