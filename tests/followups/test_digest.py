"""The weekly digest: its figures (drills excluded), its md + json files, the scheduled post
exactly once per ISO week across sweeps, restarts and concurrent processors, and the
`marshal digest` / `marshal recurrence` commands."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.cli import main
from bot.domain.audit import AuditAction
from bot.domain.followups import FollowUp, FollowUpStatus
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.sandbox.server import SandboxSlack
from bot.services.followups.digest import build_digest, previous_week, week_start
from bot.services.followups.digest_post import WeeklyDigestPost
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from tests.contract.conftest import FakeClock

WEEK = "2024-W18"  # Monday 2024-04-29 to Sunday 2024-05-05
MONDAY = datetime(2024, 4, 29, tzinfo=UTC)
_groups = itertools.count(1)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqliteDatabase]:
    path = tmp_path / "marshal.db"
    monkeypatch.setenv("MARSHAL_DB_PATH", str(path))
    database = SqliteDatabase(path)
    yield database
    database.close()


def incident(
    store: SqliteIncidentStore,
    at: datetime,
    *,
    severity: Severity = Severity.P2,
    service: str = "checkout",
    group: str | None = None,
    ack_after: float | None = 60,
    resolve_after: float | None = 600,
    drill: bool = False,
) -> Incident:
    made, _ = store.create_if_absent(
        Incident(
            source=AlertSource.GENERIC,
            group_key=group or f"grp-{next(_groups)}",
            title=f"{service} down",
            severity=severity,
            service=service,
            drill=drill,
            triggered_at=at,
            acknowledged_at=at + timedelta(seconds=ack_after) if ack_after else None,
        )
    )
    if resolve_after is not None:
        resolved = made.transition(
            IncidentStatus.RESOLVED, at=at + timedelta(seconds=resolve_after)
        )
        made = store.update(resolved, expected_version=made.version)
    return made


def followup(store: SqliteFollowUpStore, made: Incident, at: datetime, due: datetime) -> FollowUp:
    return store.add(
        FollowUp(
            incident_id=made.id,
            text="fix it",
            due_at=due,
            incident_severity=made.severity.value,
            drill=made.drill,
            created_by="U0IC",
            created_at=at,
        )
    )


def seed(database: SqliteDatabase) -> dict[str, Incident]:
    store, followups = SqliteIncidentStore(database), SqliteFollowUpStore(database)
    made = {
        "p1": incident(store, MONDAY + timedelta(hours=9), severity=Severity.P1, group="db"),
        "again": incident(store, MONDAY + timedelta(days=2), group="db", ack_after=180),
        "search": incident(
            store, MONDAY + timedelta(days=3), service="search", severity=Severity.P3
        ),
        "drill": incident(store, MONDAY + timedelta(days=1), drill=True, group="db"),
        "before": incident(store, MONDAY - timedelta(days=5), ack_after=30, resolve_after=60),
        "stuck": incident(store, MONDAY - timedelta(days=10), resolve_after=None),
        "next": incident(store, MONDAY + timedelta(days=8)),
    }
    in_week = MONDAY + timedelta(days=1)
    done = followup(followups, made["p1"], in_week, MONDAY + timedelta(days=20))
    followups.update(
        done.closed(FollowUpStatus.DONE, by="U0IC", at=in_week + timedelta(hours=1)),
        expected_version=0,
    )
    followup(followups, made["p1"], in_week, MONDAY + timedelta(days=3))  # overdue by Sunday
    followup(followups, made["drill"], in_week, MONDAY + timedelta(days=2))  # a drill's: left out
    followup(followups, made["before"], MONDAY - timedelta(days=4), MONDAY + timedelta(days=30))
    return made


def test_the_digest_figures_leave_drills_out(database: SqliteDatabase) -> None:
    made = seed(database)
    digest = build_digest(SqliteIncidentStore(database), SqliteFollowUpStore(database), WEEK)
    assert (digest.incidents, digest.drills) == (3, 1)
    assert digest.by_severity == {"P1": 1, "P2": 1, "P3": 1}
    assert digest.by_service == {"checkout": 2, "search": 1}
    assert digest.mtta_seconds == pytest.approx(100)  # (60 + 180 + 60) / 3
    assert digest.mttr_seconds == pytest.approx(600)
    assert [t.week for t in digest.trend] == ["2024-W14", "2024-W15", "2024-W16", "2024-W17"]
    assert digest.trend[-1].incidents == 1 and digest.trend[-1].mtta_seconds == 30
    assert (digest.followups.opened, digest.followups.closed, digest.followups.overdue) == (2, 1, 1)
    assert [i.id for i in digest.open_longer_than_7_days] == [made["stuck"].id]
    assert [(r.kind.value, r.key, r.count) for r in digest.recurrences] == [
        ("alert_group", "db", 2),  # a tie on count and last time: by kind, then key
        ("service", "checkout", 2),
    ]


def test_marshal_digest_writes_md_and_json(
    database: SqliteDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(database)
    out = tmp_path / "reports"
    assert main(["digest", "--week", WEEK, "--out", str(out)]) == 0
    assert capsys.readouterr().out.split() == [str(out / f"{WEEK}.md"), str(out / f"{WEEK}.json")]
    data = json.loads((out / f"{WEEK}.json").read_text())
    assert data["week"] == WEEK and data["incidents"] == 3
    markdown = (out / f"{WEEK}.md").read_text()
    assert markdown.startswith(f"# Incident digest {WEEK}")
    assert "| 2024-W17 | 1 | 30s | 1m 0s |" in markdown
    assert "1 opened" not in markdown and "2 opened, 1 closed, 1 overdue" in markdown
    assert main(["digest", "--week", "2024-W99"]) == 2
    assert "not a week" in capsys.readouterr().out


def test_marshal_recurrence_lists_what_recurred(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    store = SqliteIncidentStore(database)
    assert main(["recurrence"]) == 0
    assert "Nothing recurred in the last 30 days." in capsys.readouterr().out
    for days in (1, 2, 40):
        incident(store, now - timedelta(days=days), group="queue-depth")
    incident(store, now - timedelta(days=3), service="search")
    assert main(["recurrence", "--days", "30", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    assert [(i["kind"], i["key"], i["count"]) for i in items] == [
        ("alert_group", "queue-depth", 2),
        ("service", "checkout", 2),
    ]


def test_week_helpers() -> None:
    assert week_start(WEEK) == MONDAY
    assert previous_week(datetime(2024, 5, 6, 8, tzinfo=UTC)) == WEEK
    assert previous_week(datetime(2025, 1, 1, tzinfo=UTC)) == "2024-W52"


def test_the_scheduled_digest_posts_once_per_week(
    database: SqliteDatabase, sandbox: SandboxSlack, tmp_path: Path
) -> None:
    seed(database)
    store = SqliteIncidentStore(database)
    audit = SqliteAuditLog(database)
    gateway = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    clock = FakeClock(datetime(2024, 5, 6, 7, 59, tzinfo=UTC))  # Monday, before 08:00

    def poster(owner: str) -> WeeklyDigestPost:
        return WeeklyDigestPost(
            store,
            SqliteFollowUpStore(database),
            audit,
            gateway,
            cron="0 8 * * MON",
            reports_dir=tmp_path / "reports",
            channel="C0INCIDENTS",
            owner=owner,
            clock=clock,
        )

    def digest_posts() -> int:
        messages = sandbox.workspace.channel("C0INCIDENTS").messages
        return sum(1 for m in messages if f"Incident digest {WEEK}" in str(m.blocks))

    before = digest_posts()
    assert poster("p1").publish_due() is None  # not 08:00 yet
    clock.advance(60)
    barrier = threading.Barrier(4)
    published: list[str | None] = []

    def publish(owner: str) -> None:
        barrier.wait()
        published.append(poster(owner).publish_due())

    threads = [threading.Thread(target=publish, args=(f"proc-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(published, key=str) == [WEEK, None, None, None]
    clock.advance(3 * 86400)  # a restart later in the week: a new poster, same store
    assert poster("restarted").publish_due() is None
    assert digest_posts() == before + 1
    assert (tmp_path / "reports" / f"{WEEK}.json").exists()
    events = [e for e in audit.events("workspace") if e.action is AuditAction.DIGEST_PUBLISHED]
    assert [e.details["week"] for e in events] == [WEEK]
    clock.advance(4 * 86400)  # the next Monday: the next week is due
    assert poster("p1").publish_due() == "2024-W19"
