from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from bot.domain.models import AlertSource, AlertStatus
from bot.ingest.catalog import CATALOG
from bot.ingest.errors import PayloadInvalid, UnknownSource
from bot.ingest.reception import AlertReception
from bot.ingest.secrets import EnvSecretSource
from bot.ingest.signatures import VerdictCode
from bot.settings import Settings
from tests.ingest.conftest import fixture_bytes

NOW = 1_767_354_000
FIXTURE = {
    "grafana-oncall": "grafana_oncall_firing.json",
    "alertmanager": "alertmanager_firing.json",
    "grafana": "grafana_firing.json",
    "pagerduty": "pagerduty_incident_triggered.json",
    "generic": "generic_firing.json",
}


def all_secrets() -> Settings:
    secrets: dict[str, Any] = {
        f"marshal_secret_{s.value.replace('-', '_')}": SecretStr(f"{s}-key")
        for s in AlertSource
        if s is not AlertSource.SLACK
    }
    return Settings(_env_file=None, **secrets)


def test_catalog_names_are_the_webhook_sources() -> None:
    assert list(CATALOG) == ["grafana-oncall", "alertmanager", "grafana", "pagerduty", "generic"]
    for name, entry in CATALOG.items():
        assert entry.source.value == name
    assert [n for n, e in CATALOG.items() if not e.secret_required] == ["grafana"]


@pytest.mark.parametrize("name", list(CATALOG))
def test_drill_signed_request_verifies_and_parses(name: str) -> None:
    intake = AlertReception(EnvSecretSource(all_secrets()), clock=lambda: NOW)
    body = fixture_bytes(FIXTURE[name])
    headers = intake.entry(name).sign(f"{name}-key", body, NOW)
    assert intake.verify(name, headers, body).code is VerdictCode.VALID
    wrong = intake.entry(name).sign("not-the-key", body, NOW)
    assert not intake.verify(name, wrong, body).ok
    alerts = intake.parse(name, body)
    assert [a.source.value for a in alerts] == [name]
    assert alerts[0].status is AlertStatus.FIRING


def test_no_secrets_means_every_required_source_answers_401() -> None:
    intake = AlertReception(EnvSecretSource(Settings(_env_file=None)))
    verdicts = {name: intake.verify(name, {}, b"{}") for name in CATALOG}
    assert {n: v.code for n, v in verdicts.items()} == {
        "grafana-oncall": VerdictCode.DISABLED,
        "alertmanager": VerdictCode.DISABLED,
        "grafana": VerdictCode.UNSIGNED_ALLOWED,
        "pagerduty": VerdictCode.DISABLED,
        "generic": VerdictCode.DISABLED,
    }
    assert "MARSHAL_SECRET_PAGERDUTY" in verdicts["pagerduty"].reason


def test_unknown_source_and_bad_payload() -> None:
    intake = AlertReception(EnvSecretSource(all_secrets()))
    with pytest.raises(UnknownSource) as caught:
        intake.verify("slack", {}, b"{}")
    assert "grafana-oncall" in str(caught.value)
    with pytest.raises(PayloadInvalid) as invalid:
        intake.parse("generic", b'{"status": "firing", "title": "t"}')
    assert invalid.value.field == "dedup_key"
