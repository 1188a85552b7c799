"""Web console page times with 1,000 incidents in the store (issue 22: under 100 ms).

    .venv/bin/python benchmarks/console.py [--incidents 1000] [--requests 30]

Starts the web server with the console on a temporary SQLite store holding N incidents
(a third open; five services; every severity), one of them with 50 notes and 50 audit
events, signs in with a login link, then times whole HTTP round trips (request to last
byte, over loopback) of the queue, the filtered queue, its second page, the incident page
and the audit page (which verifies the chain). Prints p50 / p95 / max in ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx2

from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident, TimelineEntry, utcnow
from bot.domain.severity import Severity
from bot.settings import Settings
from bot.web.console.login_links import LoginLinkSigner, console_secret
from bot.wiring.audit_keys import audit_keyring
from bot.wiring.backends import open_backends
from bot.wiring.ingress import start_web
from bot.wiring.process import ProcessGroup

SERVICES = ("checkout", "search", "payments", "auth", "catalog")


def seed(settings: Settings, count: int) -> str:
    backends = open_backends(settings)
    now = utcnow()
    busy = ""
    for n in range(count):
        incident = Incident(
            source=AlertSource.GENERIC,
            group_key=f"bench-{n}",
            title=f"Benchmark incident {n}",
            severity=list(Severity)[n % 5],
            service=SERVICES[n % len(SERVICES)],
            status=IncidentStatus.INVESTIGATING if n % 3 == 0 else IncidentStatus.RESOLVED,
            triggered_at=now - timedelta(minutes=7 * n),
        )
        stored, _ = backends.store.create_if_absent(incident)
        busy = busy or stored.id
    for n in range(50):
        backends.store.add_timeline(
            TimelineEntry(incident_id=busy, author="U0ALICE", text=f"note {n}")
        )
        backends.audit.append(
            busy, actor="U0ALICE", action=AuditAction.TIMELINE_ADDED, details={"n": n}
        )
    backends.close()
    return busy


def timed(client: httpx2.Client, path: str, requests: int) -> list[float]:
    client.get(path)  # warm: templates compiled, connections open
    took = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        took.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            marshal_db_path=Path(tmp) / "marshal.db",
            marshal_http_port=0,
            marshal_audit_key="benchmark-audit-key-0123456789",
        )
        busy = seed(settings, args.incidents)
        group = ProcessGroup()
        backends = open_backends(settings)
        group.started("backends", backends.close)
        try:
            server = start_web(group, settings, backends)
            token = LoginLinkSigner(console_secret(audit_keyring(settings))).issue("U0BENCH")
            with httpx2.Client(base_url=server.url, timeout=30) as client:
                page = client.get(f"/console/login/{token}").text
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
                assert csrf
                client.post(f"/console/login/{token}", data={"csrf_token": csrf.group(1)})
                first = client.get("/console/?status=all").text
                cursor = re.search(r'rel="next" href="([^"]+)"', first)
                assert cursor
                pages = {
                    "queue (active)": "/console/",
                    "queue (all, P1, checkout, 30d)": (
                        "/console/?status=all&severity=P1&service=checkout&age=30d"
                    ),
                    # worst case: nothing matches, so every incident is read and checked
                    "queue (all, P2, checkout: no match)": (
                        "/console/?status=all&severity=P2&service=checkout"
                    ),
                    "queue page 2 (all)": cursor.group(1).replace("&amp;", "&"),
                    "incident (50 notes)": f"/console/incidents/{busy}",
                    "audit (50 events, verified)": f"/console/incidents/{busy}/audit",
                }
                print(f"{args.incidents} incidents, {args.requests} requests per page")
                print(f"{'page':36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
                for name, path in pages.items():
                    took = sorted(timed(client, path, args.requests))
                    p95 = took[min(len(took) - 1, round(0.95 * (len(took) - 1)))]
                    print(f"{name:36} {statistics.median(took):8.1f} {p95:8.1f} {took[-1]:8.1f}")
        finally:
            group.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
