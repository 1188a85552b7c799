"""Property tests: whatever arrives, parsing raises only PayloadInvalid and verification only
returns a Verdict — never an unhandled exception (which would be a 500)."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.models import Alert, AlertSource
from bot.ingest.catalog import CATALOG
from bot.ingest.errors import PayloadInvalid
from bot.ingest.severity_map import DEFAULT_SEVERITY_MAP
from bot.ingest.signatures import SignatureVerifier, Verdict
from tests.ingest.conftest import fixture_json

FIXTURES = {
    "grafana-oncall": ["grafana_oncall_firing.json", "grafana_oncall_typescript.json"],
    "alertmanager": ["alertmanager_firing.json", "alertmanager_mixed.json"],
    "grafana": ["grafana_firing.json"],
    "pagerduty": ["pagerduty_incident_triggered.json", "pagerduty_ping.json"],
    "generic": ["generic_firing.json"],
}
SOURCES = st.sampled_from(list(CATALOG))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)
RELEVANT_HEADERS = [
    "X-Grafana-OnCall-Signature",
    "Authorization",
    "X-Grafana-Alerting-Signature",
    "X-Grafana-Alerting-Signature-Timestamp",
    "X-Grafana-Alerting-Timestamp",
    "X-PagerDuty-Signature",
    "X-Marshal-Timestamp",
    "X-Marshal-Signature",
]


def parses_or_refuses(name: str, body: bytes) -> None:
    try:
        alerts = CATALOG[name].parse(body, DEFAULT_SEVERITY_MAP)
    except PayloadInvalid as exc:
        assert isinstance(exc.field, str)
        assert str(exc)
        return
    assert all(isinstance(a, Alert) and a.source.value == name for a in alerts)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(paths(item, (*prefix, index)))
    return found


def replaced(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copied = copy.deepcopy(document)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copied


@settings(max_examples=150, deadline=None)
@given(SOURCES, st.binary(max_size=300))
def test_random_bytes(name: str, body: bytes) -> None:
    parses_or_refuses(name, body)


@settings(max_examples=150, deadline=None)
@given(SOURCES, json_values)
def test_random_json(name: str, value: Any) -> None:
    parses_or_refuses(name, json.dumps(value).encode())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fixtures_with_one_value_replaced(data: st.DataObject) -> None:
    name = data.draw(SOURCES)
    document = fixture_json(data.draw(st.sampled_from(FIXTURES[name])))
    path = data.draw(st.sampled_from(paths(document)))
    new = data.draw(json_values)
    parses_or_refuses(name, json.dumps(replaced(document, path, new)).encode())


class FixedSecret:
    def secret_for(self, source: AlertSource) -> str | None:
        return "fixed-secret"

    def refresh(self, source: AlertSource) -> bool:
        return True


header_names = st.sampled_from(RELEVANT_HEADERS) | st.text(min_size=1, max_size=20)
header_values = st.text(max_size=80) | st.from_regex(r"(v1=[0-9a-f]{0,64},?){1,3}", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(
    SOURCES,
    st.dictionaries(header_names, header_values, max_size=6),
    st.binary(max_size=200),
    st.floats(min_value=0, max_value=4e9),
)
def test_random_headers_only_ever_give_a_verdict(
    name: str, headers: dict[str, str], body: bytes, now: float
) -> None:
    entry = CATALOG[name]
    verifier = SignatureVerifier(entry.source, entry.check, FixedSecret(), clock=lambda: now)
    verdict = verifier.verify(headers, body)
    assert isinstance(verdict, Verdict)
    assert not verdict.ok  # nobody guesses an HMAC
    assert "fixed-secret" not in verdict.reason
