"""Alert received -> first page sent, through `marshal up` with the sandbox Slack and its
fake PagerDuty (the built-in sandbox policy pages PagerDuty, then the on-call group by DM).

    .venv/bin/python benchmarks/paging.py --incidents 30

Each P1 alert is posted to /webhooks/generic one after another; the figure per incident is
marshal's own: the first page's record time minus the alert's receipt time (both stamped by
marshal, on the incident), read back from the store. Between them: ingest, the queue, war-room
assembly (channel, invites, checklist, context), the start of paging (the outbox), the
PAGE_STEP event through the queue, and the PagerDuty call and its record.
"""

from __future__ import annotations

import argparse
import http.client
import json
import tempfile
import time
import urllib.parse
from pathlib import Path

from launch import launch

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.ingest.signatures import sign_generic

SECRET = "bench-secret"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def run(incidents: int) -> int:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        process, url, _ = launch(tmp, "up", MARSHAL_SECRET_GENERIC=SECRET, MARSHAL_SANDBOX_PORT="0")
        try:
            parsed = urllib.parse.urlsplit(url)
            conn = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=30)
            store = SqliteIncidentStore(SqliteDatabase(tmp / "marshal.db"))
            timings: list[float] = []
            for n in range(incidents):
                body = json.dumps(
                    {"dedup_key": f"page-bench-{n}", "status": "firing",
                     "title": f"Paging benchmark {n}", "severity": "P1"}
                ).encode()  # fmt: skip
                headers = {"Content-Type": "application/json",
                           **sign_generic(SECRET, body, int(time.time()))}  # fmt: skip
                conn.request("POST", "/webhooks/generic", body, headers)
                answer = conn.getresponse()
                incident_id = json.loads(answer.read())["incident_id"]
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    incident = store.get(incident_id)
                    pages = incident.escalation.pages if incident and incident.escalation else []
                    if incident is not None and pages:
                        first = min(p.at for p in pages)
                        timings.append((first - incident.triggered_at).total_seconds())
                        break
                    time.sleep(0.01)
                else:
                    raise SystemExit(f"incident {incident_id} was not paged within 30 s")
            ms = [t * 1000 for t in timings]
            print(f"{incidents} P1 alerts, alert received -> first page sent (marshal's stamps)")
            print(f"p50 {percentile(ms, 0.5):.0f} ms  p99 {percentile(ms, 0.99):.0f} ms  "
                  f"min {min(ms):.0f} ms  max {max(ms):.0f} ms")  # fmt: skip
        finally:
            process.terminate()
            process.wait(15)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=30)
    return run(parser.parse_args().incidents)


if __name__ == "__main__":
    raise SystemExit(main())
