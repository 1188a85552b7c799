"""The context file: sources per team or service, and start-up errors naming
MARSHAL_CONTEXT_FILE. Plus how the Prometheus figures are phrased at the edges."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.context.config_file import ContextFile
from bot.adapters.context.prometheus import PrometheusQueries, PrometheusSource
from bot.domain.errors import ConfigurationError
from tests.fakes.observability import FakePrometheus

FULL = """\
Checkout:
  prometheus: {url: http://prom:9090, error_rate: 'sum(x)', baseline: 2h}
  loki: {url: http://loki:3100, query: '{app="checkout"}'}
  tempo: {url: https://tempo:3200, tags: 'service.name=checkout', limit: 3}
search:
  loki: {url: http://loki:3100, query: '{app="search"}'}
"""


def test_sources_by_team_then_service_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "context.yaml"
    path.write_text(FULL)
    catalog = ContextFile.load(path)
    assert catalog.teams == ["checkout", "search"]
    assert [s.title for s in catalog.sources_for("checkout")] == [
        "Metrics",
        "Recent errors",
        "Recent traces",
    ]
    assert [s.title for s in catalog.sources_for("nobody", "SEARCH")] == ["Recent errors"]
    assert catalog.sources_for("nobody") == []


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (None, "cannot read"),
        ("checkout: {loki: ", "not valid YAML"),
        ("- a list", "must map team or service names"),
        ("checkout: {loki: {url: ftp://x, query: q}}", r"checkout\.loki\.url .*http\(s\) URL"),
        ("checkout: {loki: {url: http://x}}", r"checkout\.loki\.query .*Field required"),
        ("checkout: {prometheus: {url: http://x}}", "needs error_rate or p99_latency"),
        ("checkout: {grafana: {url: http://x}}", r"checkout\.grafana .*Extra inputs"),
        ("checkout: {tempo: {url: http://x, tags: t, limit: 500}}", r"tempo\.limit"),
        ("checkout: {prometheus: {url: http://x, error_rate: q, baseline: soon}}", "duration"),
    ],
)
def test_missing_or_invalid_file_names_the_variable(
    tmp_path: Path, content: str | None, complaint: str
) -> None:
    path = tmp_path / "context.yaml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigurationError, match=f"MARSHAL_CONTEXT_FILE: .*{complaint}") as err:
        ContextFile.load(path)
    assert "\n" not in str(err.value)


def test_missing_samples_and_zero_baselines_are_said_plainly() -> None:
    now = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
    fake = FakePrometheus(
        now_at=now.timestamp() - 60, series={"rate": (None, 0.02), "p99": (2.5, 0.0)}
    ).start()
    try:
        queries = PrometheusQueries(fake.url, "rate", "p99", baseline=now - now.replace(hour=11))
        section = PrometheusSource(queries, timeout=2).fetch(now)
    finally:
        fake.stop()
    assert section.rows == (
        "error rate no data now, 2.00% 1h ago",
        "p99 latency 2.50 s now, 0 ms 1h ago",
    )
