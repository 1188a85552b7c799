"""The start-up summary: what is on, where, and a warning for each silent no-op."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from bot.wiring.startup_summary import Started, summary_lines, warnings


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, marshal_db_path=tmp_path / "m.db", **values)  # type: ignore[arg-type]


def test_defaults_list_refusing_sources_the_sandbox_and_every_silent_no_op(
    tmp_path: Path,
) -> None:
    started = Started(
        "up",
        web_url="http://127.0.0.1:8080",
        sandbox_url="http://127.0.0.1:8090",
        statuspage_url="http://127.0.0.1:8090/status",
    )
    lines = summary_lines(_settings(tmp_path, marshal_secret_generic="s3cret"), started)
    text = "\n".join(lines)
    assert lines[0] == "marshal: up start-up summary"
    assert "generic on" in text
    assert "pagerduty REFUSING (no MARSHAL_SECRET_PAGERDUTY)" in text
    assert "grafana on, UNSIGNED (no MARSHAL_SECRET_GRAFANA)" in text
    assert "sandbox at http://127.0.0.1:8090" in text
    assert f"sqlite {tmp_path / 'm.db'}" in text and "local, in" in text
    assert "two-person rule: P1" in text
    assert "sandbox status page at http://127.0.0.1:8090/status" in text
    assert [line for line in lines if "warning:" in line] == [
        "  warning: MARSHAL_ANNOUNCE_CHANNEL is unset: new incidents are announced nowhere",
        "  warning: no MARSHAL_DIRECTORY_FILE and no MARSHAL_DEFAULT_RESPONDERS: war rooms for "
        "alerts are opened with nobody invited",
        "  warning: MARSHAL_APPROVERS is empty: only an incident's IC may approve a status-page "
        "draft",
    ]


def test_a_configured_deployment_has_no_warnings(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        slack_bot_token="xoxb-1",
        slack_app_token="xapp-1",
        marshal_announce_channel="C0INCIDENTS",
        marshal_default_responders="S0ONCALL",
        marshal_approvers="U0DAVE,S0LEADS",
        marshal_two_person_rule="off",
        statuspage_api_key="k",
        statuspage_page_id="p",
        marshal_secret_generic="s",
    )
    started = Started("up", web_url="http://127.0.0.1:8080")
    assert warnings(settings, started) == []
    text = "\n".join(summary_lines(settings, started))
    assert "real Slack at https://slack.com/api/" in text
    assert "U0DAVE, S0LEADS; two-person rule: off" in text
    assert "https://api.statuspage.io/v1/ page p" in text


def test_no_secret_at_all_is_a_warning_for_the_webhook_part_only(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    webhook = warnings(settings, Started("webhook", web_url="http://x"))
    assert webhook == [
        "no webhook secret is set: every signed source answers 401; set "
        "MARSHAL_SECRET_<SOURCE> for the ones you use"
    ]
    lines = summary_lines(settings, Started("webhook", web_url="http://x"))
    assert not any(line.lstrip().startswith(("slack", "approvers")) for line in lines)
    unpublished = warnings(settings, Started("processor"))
    assert any(w.startswith("STATUSPAGE_API_KEY / STATUSPAGE_PAGE_ID unset") for w in unpublished)


def test_secrets_manager_sources_are_described_not_looked_up(tmp_path: Path) -> None:
    settings = _settings(tmp_path, marshal_secrets="secretsmanager")
    text = "\n".join(summary_lines(settings, Started("webhook", web_url="http://x")))
    assert "secrets read from Secrets Manager (marshal/webhook/<source>)" in text
