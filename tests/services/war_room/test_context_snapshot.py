"""The context snapshot step through the real assembler, the sandbox Slack, and local fake
Prometheus, Loki and Tempo servers over real sockets."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.context.config_file import ContextFile
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.sandbox.records import Message
from bot.services.war_room.assembler import REQUIRED_STEPS, is_assembled
from bot.services.war_room.context_snapshot import ContextSnapshotter
from bot.services.war_room.steps import StepName
from tests.fakes.http_fake import FakeHttp
from tests.fakes.observability import (
    BrokenSource,
    FakeLoki,
    FakePrometheus,
    FakeTempo,
    StalledSource,
    query_of,
)
from tests.services.war_room.conftest import WarRoomKit

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
ERROR_RATE = 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[5m]))'
P99 = "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"
TRACE_ID = "2f3e1a9c0b7d4e21"
NS = int(NOW.timestamp()) * 1_000_000_000


@pytest.fixture
def fakes() -> Iterator[dict[str, FakeHttp]]:
    running: dict[str, FakeHttp] = {
        "prometheus": FakePrometheus(
            now_at=NOW.timestamp() - 60, series={ERROR_RATE: (0.05, 0.001), P99: (0.85, 0.2)}
        ),
        "loki": FakeLoki(
            streams={
                "checkout": [
                    (NS - 5_000_000_000, "payment declined: card_expired"),
                    (NS - 2_000_000_000, "upstream timeout <!channel> *boom*\nsecond line"),
                ],
                "checkout-worker": [(NS - 9_000_000_000, "retry budget exhausted")],
            }
        ),
        "tempo": FakeTempo(
            traces=[
                {
                    "traceID": TRACE_ID,
                    "rootServiceName": "checkout",
                    "rootTraceName": "POST /pay",
                    "startTimeUnixNano": str(NS - 3_000_000_000),
                    "durationMs": 1532,
                }
            ]
        ),
        "broken": BrokenSource(),
        "stalled": StalledSource(),
    }
    for fake in running.values():
        fake.start()
    yield running
    for fake in running.values():
        fake.stop()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _context_file(tmp_path: Path, name: str, prometheus: str, loki: str, tempo: str) -> Path:
    path = tmp_path / "context.yaml"
    path.write_text(
        f"{name}:\n"
        f"  prometheus: {{url: '{prometheus}', error_rate: '{ERROR_RATE}', "
        f"p99_latency: '{P99}', baseline: 1d}}\n"
        f"  loki: {{url: '{loki}', query: '{{app=\"checkout\"}} |= \"error\"', limit: 2}}\n"
        f"  tempo: {{url: '{tempo}', tags: 'service.name=checkout status=error', limit: 5}}\n"
    )
    return path


def _snapshotter(path: Path, *, timeout: float = 2.0) -> ContextSnapshotter:
    return ContextSnapshotter(
        ContextFile.load(path, timeout=timeout), timeout=timeout, clock=lambda: NOW
    )


def _snapshot_message(kit: WarRoomKit, channel_id: str | None) -> Message:
    messages = kit.sandbox.workspace.channel(channel_id or "").messages
    found = [m for m in messages if m.text.startswith("Context snapshot")]
    assert len(found) == 1, [m.text for m in messages]
    return found[0]


def _block_text(message: Message) -> str:
    texts: list[str] = []
    for block in message.blocks or []:
        text = block.get("text")
        if isinstance(text, dict):
            texts.append(str(text.get("text", "")))
        for element in block.get("elements", []):
            texts.append(str(element.get("text", "")))
    return "\n".join(texts)


def test_the_snapshot_shows_figures_logs_and_traces(
    kit: WarRoomKit, fakes: dict[str, FakeHttp], tmp_path: Path
) -> None:
    # The incident's team (payments) has no entry; its service (checkout) does.
    path = _context_file(
        tmp_path, "checkout", fakes["prometheus"].url, fakes["loki"].url, fakes["tempo"].url
    )
    incident = kit.new_incident()
    room = kit.assembler(context_snapshot=_snapshotter(path)).assemble(incident.id)

    assert room.status is IncidentStatus.INVESTIGATING and is_assembled(room)
    text = _block_text(_snapshot_message(kit, room.channel_id))
    assert "Context snapshot · checkout" in text
    assert "error rate 5.00% now, 0.10% 1d ago (+4.90 pp)" in text
    assert "p99 latency 850 ms now, 200 ms 1d ago (+325%)" in text
    # Newest first across streams, cut at the limit; untrusted text escaped, one line each.
    assert "11:59:58 upstream timeout &lt;!channel&gt; *boom* second line" in text
    assert "11:59:55 payment declined: card_expired" in text
    assert "retry budget exhausted" not in text
    assert f"{TRACE_ID} · checkout POST /pay · 1532 ms" in text
    assert "unavailable" not in text and "<!channel>" not in text

    step = room.assembly[StepName.CONTEXT_SNAPSHOT.value]
    assert step.detail["configured_for"] == "checkout" and step.detail["unavailable"] == []
    assert kit.actions(incident.id).count(AuditAction.CONTEXT_SNAPSHOT_ATTACHED) == 1

    # What the real APIs are asked: now and a day before, newest lines first, tags as given.
    prometheus_times = {float(query_of(s.path)["time"]) for s in fakes["prometheus"].seen}
    assert prometheus_times == {NOW.timestamp(), NOW.timestamp() - 86400}
    loki = query_of(fakes["loki"].seen[0].path)
    assert loki["direction"] == "backward" and loki["limit"] == "2"
    assert loki["end"] == str(NS)
    tempo = query_of(fakes["tempo"].seen[0].path)
    assert tempo["tags"] == "service.name=checkout status=error" and tempo["limit"] == "5"


def test_a_dead_source_shows_unavailable_and_the_room_still_assembles(
    kit: WarRoomKit, fakes: dict[str, FakeHttp], tmp_path: Path
) -> None:
    refused = f"http://127.0.0.1:{_closed_port()}"
    path = _context_file(tmp_path, "payments", fakes["broken"].url, refused, fakes["tempo"].url)
    incident = kit.new_incident()
    room = kit.assembler(context_snapshot=_snapshotter(path)).assemble(incident.id)

    assert room.status is IncidentStatus.INVESTIGATING and is_assembled(room)
    text = _block_text(_snapshot_message(kit, room.channel_id))
    assert "*Metrics*: _unavailable (HTTP 500)_" in text
    assert "*Recent errors*: _unavailable (cannot connect" in text
    assert f"{TRACE_ID} · checkout" in text
    step = room.assembly[StepName.CONTEXT_SNAPSHOT.value]
    assert step.detail["unavailable"] == ["Metrics", "Recent errors"]
    # Unavailable figures are not a failed step: nothing is reported as broken in the room.
    messages = kit.sandbox.workspace.channel(room.channel_id or "").messages
    assert not [m for m in messages if "could not be set up" in m.text]


def test_a_slow_source_is_cut_at_its_timeout(
    kit: WarRoomKit, fakes: dict[str, FakeHttp], tmp_path: Path
) -> None:
    stalled = fakes["stalled"]
    assert isinstance(stalled, StalledSource)
    path = _context_file(
        tmp_path, "payments", fakes["prometheus"].url, fakes["loki"].url, stalled.url
    )
    incident = kit.new_incident()
    room = kit.assembler(context_snapshot=_snapshotter(path, timeout=0.3)).assemble(incident.id)

    assert room.status is IncidentStatus.INVESTIGATING and is_assembled(room)
    text = _block_text(_snapshot_message(kit, room.channel_id))
    # Cut by the socket timeout or by the snapshot's deadline, whichever fires first.
    assert "*Recent traces*: _unavailable (timed out" in text
    assert "error rate 5.00% now" in text and "payment declined" in text
    # The room was finished while Tempo was still holding the request: nobody waited for it.
    assert len(stalled.seen) == 1 and stalled.answered == 0


def test_a_team_without_context_gets_no_snapshot(
    kit: WarRoomKit, fakes: dict[str, FakeHttp], tmp_path: Path
) -> None:
    path = _context_file(
        tmp_path, "search", fakes["prometheus"].url, fakes["loki"].url, fakes["tempo"].url
    )
    incident = kit.new_incident()
    room = kit.assembler(context_snapshot=_snapshotter(path)).assemble(incident.id)

    assert is_assembled(room)
    assert room.assembly[StepName.CONTEXT_SNAPSHOT.value].detail == {"skipped": "not configured"}
    messages = kit.sandbox.workspace.channel(room.channel_id or "").messages
    assert not [m for m in messages if m.text.startswith("Context snapshot")]
    assert AuditAction.CONTEXT_SNAPSHOT_ATTACHED not in kit.actions(incident.id)
    assert not fakes["prometheus"].seen


def test_the_snapshot_is_never_required_for_assembly() -> None:
    assert StepName.CONTEXT_SNAPSHOT not in REQUIRED_STEPS
