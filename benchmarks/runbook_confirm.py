"""Runbook Confirm latency: a Confirm click in the sandbox Slack to the execute request
arriving at the target, p50/p99.

    .venv/bin/python benchmarks/runbook_confirm.py [--runs 50]

Starts the sandbox Slack, marshal's Slack app (Socket Mode over a real websocket) on a
temporary SQLite store and a local target answering preview and execute at once. Each run
posts a fresh preview (single-use token), then times from the click (the control API call)
to the moment the target receives the execute request: the socket delivery, the ack, the
token checks, the fresh preview that guards the binding hash, the atomic start (idempotency
key, scope lock, token) and the queued -> running write.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.ports.slack_views import RunbookPreviewView
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from bot.services.operations.previews import PreflightRequest
from bot.settings import Settings
from bot.slack.gateway import build_web_client
from bot.slack.runbook_actions import RunbookButtons
from bot.slack.vocabulary import ActionId
from bot.wiring.operations import build_operations
from bot.wiring.slack import SlackFeatures, build_slack_side, start_slack_app
from bot.wiring.stores import build_audit_log, build_store

CATALOG = """
runbooks:
  restart:
    title: Restart
    action:
      http:
        preview: {{url: "{url}/preview"}}
        execute: {{url: "{url}/execute"}}
    lock: "bench"
    reason_required: never
"""


class Target:
    def __init__(self) -> None:
        self.arrived: list[float] = []
        self.event = threading.Event()
        target = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                answer: dict[str, Any]
                if self.path.endswith("/execute"):
                    target.arrived.append(time.perf_counter())
                    target.event.set()
                    answer = {"summary": {"total": 1, "processed": 1, "updated": 1}}
                else:
                    answer = {"targets": ["pod-1"], "count": 1, "warnings": []}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    target = Target()
    with tempfile.TemporaryDirectory() as tmp, SandboxSlack() as sandbox:
        catalog = Path(tmp) / "runbooks.yaml"
        catalog.write_text(CATALOG.format(url=target.url))
        settings = Settings(marshal_db_path=Path(tmp) / "marshal.db", marshal_runbook_file=catalog)
        store, audit = build_store(settings), build_audit_log(settings)
        side = build_slack_side(
            settings, store, audit, build_web_client(sandbox.bot_token, sandbox.api_url)
        )
        operations = build_operations(settings, audit, store, side.gateway)
        features = SlackFeatures(
            lambda alert: store.create_if_absent(Incident.from_alert(alert))[0],
            actions=RunbookButtons(operations.confirmation, side.gateway).routes(),
            operations=operations.previews,
        )
        running = start_slack_app(
            settings, store, audit, side, app_token=sandbox.app_token, features=features
        )
        while sandbox.hub.connection_count == 0:
            time.sleep(0.05)
        channel = side.gateway.create_private_channel("inc-bench-runbooks")
        side.gateway.invite(channel.id, ["U0ALICE", "U0BOB"])
        incident, _ = store.create_if_absent(
            Incident(
                source=AlertSource.GENERIC,
                group_key="bench",
                title="bench",
                severity=Severity.P3,
                channel_id=channel.id,
            )
        )
        control = SandboxControl(sandbox.url)
        samples: list[float] = []
        for _ in range(args.runs):
            preview = operations.previews.preflight(
                PreflightRequest(
                    runbook="restart", params={}, user_id="U0ALICE", incident_id=incident.id
                )
            )
            ts = side.gateway.post_message(channel.id, RunbookPreviewView(preview, "Restart"))
            target.event.clear()
            clicked = time.perf_counter()
            control.press_button(
                "U0BOB", channel.id, ts, ActionId.RUNBOOK_CONFIRM.value, value=preview.token
            )
            if not target.event.wait(timeout=30):
                raise SystemExit("the execute request never arrived")
            samples.append(target.arrived[-1] - clicked)
            while operations.runs.unfinished():  # the scope frees once the run completes
                time.sleep(0.005)
        running.stop()
    target.server.shutdown()
    ms = [s * 1000 for s in samples]
    print(f"runs {len(ms)}: p50 {percentile(ms, 0.5):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
