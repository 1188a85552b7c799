"""Follow-up lists, the release gate and the weekly digest with thousands of incidents.

    .venv/bin/python benchmarks/followups.py [--incidents 5000] [--per-incident 2] [--runs 5]

Seeds a temporary SQLite store with incidents spread over 12 weeks (a tenth of them drills,
some recurring) and follow-ups on each (open, overdue, done), then times each read the
product makes, median of --runs: `followups open|mine|overdue`, `marshal followups list
--service`, the gate, and the weekly digest. Seeding is not timed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.followups import FollowUp, FollowUpPriority, FollowUpStatus
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.services.followups.digest import build_digest, previous_week
from bot.services.followups.listing import FollowUpScope, release_blockers, select

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)  # a Monday
SERVICES = [f"svc-{n}" for n in range(40)]
OWNERS = [f"U0OWNER{n}" for n in range(60)]


def seed(database: SqliteDatabase, incidents: int, per_incident: int) -> None:
    store, followups = SqliteIncidentStore(database), SqliteFollowUpStore(database)
    span = timedelta(weeks=12).total_seconds()
    for n in range(incidents):
        at = NOW - timedelta(seconds=span * (n + 1) / incidents)
        made, _ = store.create_if_absent(
            Incident(
                source=AlertSource.GENERIC,
                group_key=f"grp-{n % 700}-{n}",
                title=f"{SERVICES[n % 40]} error rate",
                severity=list(Severity)[n % 4],
                service=SERVICES[n % 40],
                drill=n % 10 == 0,
                triggered_at=at,
                acknowledged_at=at + timedelta(minutes=3),
            )
        )
        if n % 50:
            resolved = made.transition(IncidentStatus.RESOLVED, at=at + timedelta(hours=1))
            made = store.update(resolved, expected_version=made.version)
        for k in range(per_incident):
            followup = followups.add(
                FollowUp(
                    incident_id=made.id,
                    text=f"follow-up {k} of {made.id}",
                    owner=OWNERS[(n + k) % 60],
                    due_at=at + timedelta(days=14),
                    priority=list(FollowUpPriority)[k % 3],
                    service=made.service,
                    incident_severity=made.severity.value,
                    drill=made.drill,
                    created_by="U0IC",
                    created_at=at + timedelta(hours=2),
                )
            )
            if (n + k) % 3 == 0:
                followups.update(
                    followup.closed(FollowUpStatus.DONE, by="U0IC", at=at + timedelta(days=5)),
                    expected_version=0,
                )


def timed(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    seconds = []
    result: object = None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5000)
    parser.add_argument("--per-incident", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = SqliteDatabase(Path(tmp) / "marshal.db")
        started = time.perf_counter()
        seed(database, args.incidents, args.per_incident)
        print(
            f"seeded {args.incidents} incidents, {args.incidents * args.per_incident} "
            f"follow-ups in {time.perf_counter() - started:.1f} s"
        )
        store, followups = SqliteIncidentStore(database), SqliteFollowUpStore(database)
        reads: dict[str, Callable[[], object]] = {
            "followups open": lambda: select(followups, FollowUpScope.OPEN, now=NOW),
            "followups mine": lambda: select(
                followups, FollowUpScope.MINE, now=NOW, user="U0OWNER7"
            ),
            "followups overdue": lambda: select(followups, FollowUpScope.OVERDUE, now=NOW),
            "list --service": lambda: select(
                followups, FollowUpScope.OPEN, now=NOW, service="svc-3"
            ),
            "gate (P1,P2)": lambda: release_blockers(
                followups, now=NOW, severities=["P1", "P2"], incident_of=store.get
            ),
            "digest (week)": lambda: build_digest(store, followups, previous_week(NOW)),
        }
        print("| read | median | rows |")
        print("|---|---|---|")
        for name, work in reads.items():
            seconds, result = timed(args.runs, work)
            rows = len(result) if isinstance(result, list) else "-"
            print(f"| {name} | {seconds * 1000:.1f} ms | {rows} |")
        database.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
