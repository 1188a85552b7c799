import re
from enum import Enum
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import BaseSettings

from bot.domain.severity import Severity
from bot.settings import (
    HttpSettings,
    RhythmSettings,
    Settings,
    describe_error,
    parse_duration,
)


def settings_from(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)


def error_line(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    with pytest.raises(ValidationError) as caught:
        settings_from(monkeypatch, **env)
    return describe_error(caught.value)


def test_defaults_are_the_embedded_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings_from(monkeypatch)
    assert (s.marshal_store, s.marshal_queue) == ("sqlite", "local")
    assert (s.marshal_http_host, s.marshal_http_port) == ("127.0.0.1", 8080)
    assert s.uses_sandbox
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.nudge_seconds(Severity.P1) == 900


def test_lists_and_maps_parse_from_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings_from(
        monkeypatch,
        MARSHAL_APPROVERS="U1, S2",
        MARSHAL_NUDGE_INTERVAL="P1=5s,P2=30m,P3=1h",
        MARSHAL_TWO_PERSON_RULE="true",
    )
    assert s.marshal_approvers == ["U1", "S2"]
    assert s.marshal_nudge_interval == {Severity.P1: 5, Severity.P2: 1800, Severity.P3: 3600}
    assert s.marshal_two_person_rule == list(Severity)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"MARSHAL_STORE": "postgres"}, "MARSHAL_STORE: Input should be 'sqlite' or 'dynamodb'"),
        ({"MARSHAL_HTTP_PORT": "eighty"}, "MARSHAL_HTTP_PORT: Input should be a valid integer"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN is required"),
        ({"MARSHAL_NUDGE_INTERVAL": "P1=soon"}, "MARSHAL_NUDGE_INTERVAL:"),
        ({"MARSHAL_COMMAND": "marshal"}, "MARSHAL_COMMAND: must look like /marshal"),
        ({"MARSHAL_QUEUE": "sqs"}, "MARSHAL_QUEUE_URL is required"),
        (
            {"MARSHAL_PUBLISH_LEASE_SECONDS": "0"},
            "MARSHAL_PUBLISH_LEASE_SECONDS: Input should be greater than or equal to 3",
        ),
        (
            {"MARSHAL_QUEUE_VISIBILITY_SECONDS": "1"},
            "MARSHAL_QUEUE_VISIBILITY_SECONDS: Input should be greater than or equal to 3",
        ),
        ({"MARSHAL_SEVERITY_MAP": "sev-a"}, "MARSHAL_SEVERITY_MAP: 'sev-a' should look like"),
        ({"MARSHAL_SEVERITY_MAP": "sev-a=P9"}, "MARSHAL_SEVERITY_MAP: unknown severity"),
    ],
)
def test_a_wrong_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    assert expected in error_line(monkeypatch, **env)


def test_tokens_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings_from(monkeypatch, SLACK_BOT_TOKEN="xoxb-secret", SLACK_APP_TOKEN="xapp-secret")
    assert "xoxb-secret" not in repr(s) and not s.uses_sandbox


def test_durations() -> None:
    assert [parse_duration(t) for t in ("5s", "15m", "2h", "1d", "30")] == [
        5,
        900,
        7200,
        86400,
        1800,
    ]
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


def test_env_example_lists_every_setting_with_a_comment() -> None:
    text = (Path(__file__).parent.parent / ".env.example").read_text()
    lines = text.splitlines()
    for name, field in Settings.model_fields.items():
        env_name = (field.alias or name).upper()
        index = next(
            (i for i, line in enumerate(lines) if line.lstrip("# ").startswith(f"{env_name}=")),
            None,
        )
        assert index is not None, f"{env_name} missing from .env.example"
        above = lines[index - 1]
        assert above.startswith("#") or "=" in above, f"{env_name} has no comment"


def test_blank_values_in_env_file_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings_from(monkeypatch, SLACK_BOT_TOKEN="", MARSHAL_QUEUE_URL="")
    assert s.slack_bot_token is None and s.uses_sandbox


# Every name .env.example documents, a non-default value for it, and what that value loaded
# as before the settings were grouped into sections (recorded from the flat Settings class).
DOCUMENTED = [
    ("SLACK_BOT_TOKEN", "xoxb-test", "xoxb-test"),
    ("SLACK_APP_TOKEN", "xapp-test", "xapp-test"),
    ("SLACK_API_URL", "http://127.0.0.1:9/api", "http://127.0.0.1:9/api/"),
    ("MARSHAL_COMMAND", "/ops", "/ops"),
    ("MARSHAL_SLACK_MODE", "real", "real"),
    ("MARSHAL_SANDBOX_HOST", "0.0.0.0", "0.0.0.0"),
    ("MARSHAL_SANDBOX_PORT", "9090", 9090),
    ("MARSHAL_TIMELINE_REACTION", "star", "star"),
    ("MARSHAL_STORE", "dynamodb", "dynamodb"),
    ("MARSHAL_DB_PATH", "data/m.db", "data/m.db"),
    ("MARSHAL_QUEUE", "sqs", "sqs"),
    ("MARSHAL_TABLE_PREFIX", "t-", "t-"),
    ("MARSHAL_QUEUE_URL", "http://127.0.0.1:9/q.fifo", "http://127.0.0.1:9/q.fifo"),
    ("MARSHAL_QUEUE_MAX_RECEIVES", "7", 7),
    ("MARSHAL_QUEUE_VISIBILITY_SECONDS", "90", 90),
    ("AWS_DEFAULT_REGION", "eu-west-1", "eu-west-1"),
    ("MARSHAL_HTTP_HOST", "0.0.0.0", "0.0.0.0"),
    ("MARSHAL_HTTP_PORT", "9000", 9000),
    ("MARSHAL_MAX_BODY_BYTES", "2048", 2048),
    ("MARSHAL_HTTP_THREADS", "8", 8),
    ("MARSHAL_HTTP_MAX_CONNECTIONS", "64", 64),
    ("MARSHAL_HTTP_KEEP_ALIVE_SECONDS", "9", 9),
    ("MARSHAL_HTTP_READ_TIMEOUT_SECONDS", "2.5", 2.5),
    ("MARSHAL_SECRETS", "secretsmanager", "secretsmanager"),
    ("MARSHAL_SECRETS_PREFIX", "ops/", "ops/"),
    ("MARSHAL_SECRET_GRAFANA_ONCALL", "s-oncall", "s-oncall"),
    ("MARSHAL_SECRET_GRAFANA", "s-grafana", "s-grafana"),
    ("MARSHAL_SECRET_ALERTMANAGER", "s-am", "s-am"),
    ("MARSHAL_SECRET_PAGERDUTY", "s-pd", "s-pd"),
    ("MARSHAL_SECRET_GENERIC", "s-gen", "s-gen"),
    ("MARSHAL_AUDIT_KEY", "audit-key-0123456789", "audit-key-0123456789"),
    ("MARSHAL_AUDIT_KEYS_PREVIOUS", "old-1,old-2", "old-1,old-2"),
    ("MARSHAL_AUDIT_SIGNING_KEY", "ed25519-key", "ed25519-key"),
    ("MARSHAL_APPROVERS", "U1, S2", ["U1", "S2"]),
    ("MARSHAL_TWO_PERSON_RULE", "P1,P2", ["P1", "P2"]),
    ("MARSHAL_PUBLISH_LEASE_SECONDS", "45", 45),
    ("MARSHAL_ANNOUNCE_CHANNEL", "incidents", "incidents"),
    ("MARSHAL_DEFAULT_RESPONDERS", "U9,S9", ["U9", "S9"]),
    ("MARSHAL_PUBLIC_ROOMS", "P3,P4", ["P3", "P4"]),
    ("MARSHAL_TRIAGE_CHANNEL", "triage", "triage"),
    ("MARSHAL_WAR_ROOM_THRESHOLD", "P3", "P3"),
    ("MARSHAL_SEVERITY_MAP", "sev-a=P1,sev-b=P2", "sev-a=P1,sev-b=P2"),
    ("MARSHAL_DIRECTORY_FILE", "conf/directory.yaml", "conf/directory.yaml"),
    ("MARSHAL_CONTEXT_FILE", "conf/context.yaml", "conf/context.yaml"),
    ("MARSHAL_CHECKLIST_FILE", "conf/checklist.yaml", "conf/checklist.yaml"),
    ("MARSHAL_NUDGE_INTERVAL", "P1=5s,P2=30m", {"P1": 5, "P2": 1800}),
    ("MARSHAL_REMINDER_IC_UNCLAIMED", "10m", 600),
    ("MARSHAL_REMINDER_POSTMORTEM_DUE", "3d", 259200),
    ("MARSHAL_REMINDER_INACTIVE", "12h", 43200),
    ("MARSHAL_REMINDER_IC_UNCLAIMED_TEXT", "{who}: claim IC", "{who}: claim IC"),
    ("MARSHAL_REMINDER_POSTMORTEM_DUE_TEXT", "{who}: postmortem {id}", "{who}: postmortem {id}"),
    ("MARSHAL_REMINDER_INACTIVE_TEXT", "{who}: {title} is quiet", "{who}: {title} is quiet"),
    ("MARSHAL_POSTMORTEM_DIR", "pm", "pm"),
    ("MARSHAL_AUTO_RESOLVE", "true", True),
    ("MARSHAL_ARCHIVE_ON_RESOLVE", "false", False),
    ("MARSHAL_ARCHIVE_AFTER", "0", 0),
    (
        "MARSHAL_SERVICE_REPOS",
        "checkout=org/checkout,api=org/api",
        {"checkout": "org/checkout", "api": "org/api"},
    ),
    ("MARSHAL_LOG_LEVEL", "DEBUG", "DEBUG"),
    ("STATUSPAGE_API_URL", "http://127.0.0.1:9/sp/", "http://127.0.0.1:9/sp/"),
    ("STATUSPAGE_API_KEY", "sp-key", "sp-key"),
    ("STATUSPAGE_PAGE_ID", "page-1", "page-1"),
    ("LINEAR_API_URL", "http://127.0.0.1:9/linear", "http://127.0.0.1:9/linear"),
    ("LINEAR_API_KEY", "lin-key", "lin-key"),
    ("LINEAR_TEAM_ID", "team-1", "team-1"),
    ("ANTHROPIC_API_KEY", "an-key", "an-key"),
    ("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/an", "http://127.0.0.1:9/an"),
    ("MARSHAL_LLM", "off", "off"),
    ("MARSHAL_LLM_LIGHT_MODEL", "light-1", "light-1"),
    ("MARSHAL_LLM_MODEL", "heavy-1", "heavy-1"),
    ("GITHUB_API_URL", "http://127.0.0.1:9/gh", "http://127.0.0.1:9/gh"),
    ("GITHUB_TOKEN", "gh-token", "gh-token"),
    ("MARSHAL_ESCALATION_FILE", "conf/escalation.yaml", "conf/escalation.yaml"),
    ("MARSHAL_PAGE_SEVERITIES", "P1", ["P1"]),
    ("PAGERDUTY_EVENTS_URL", "http://127.0.0.1:9/pd/enqueue", "http://127.0.0.1:9/pd/enqueue"),
    ("PAGERDUTY_API_URL", "http://127.0.0.1:9/pd", "http://127.0.0.1:9/pd"),
    ("PAGERDUTY_API_TOKEN", "pd-token", "pd-token"),
    ("PAGERDUTY_FROM", "bot@example.com", "bot@example.com"),
    ("OPSGENIE_API_URL", "http://127.0.0.1:9/og", "http://127.0.0.1:9/og"),
    ("OPSGENIE_API_KEY", "og-key", "og-key"),
    ("GRAFANA_ONCALL_API_URL", "http://127.0.0.1:9/goc", "http://127.0.0.1:9/goc"),
    ("GRAFANA_ONCALL_API_TOKEN", "goc-token", "goc-token"),
    ("MARSHAL_RUNBOOK_FILE", "conf/runbooks.yaml", "conf/runbooks.yaml"),
    ("MARSHAL_BREAK_GLASS", "U7,S7", ["U7", "S7"]),
    ("MARSHAL_RUN_LEASE_SECONDS", "9", 9),
    ("MARSHAL_DIGEST_CHANNEL", "reports", "reports"),
    ("MARSHAL_DIGEST_CRON", "0 9 * * FRI", "0 9 * * FRI"),
    ("MARSHAL_REPORTS_DIR", "out/reports", "out/reports"),
    ("JIRA_URL", "http://127.0.0.1:9/jira", "http://127.0.0.1:9/jira"),
    ("JIRA_EMAIL", "ops@example.com", "ops@example.com"),
    ("JIRA_API_TOKEN", "jira-token", "jira-token"),
    ("JIRA_PROJECT", "OPS", "OPS"),
    ("MARSHAL_OIDC_ISSUER", "http://127.0.0.1:9/oidc", "http://127.0.0.1:9/oidc"),
    ("MARSHAL_OIDC_CLIENT_ID", "console", "console"),
    ("MARSHAL_OIDC_CLIENT_SECRET", "oidc-secret", "oidc-secret"),
    ("MARSHAL_CONSOLE_SECURE_COOKIES", "true", True),
    ("MARSHAL_CONSOLE_URL", "https://ops.example/console", "https://ops.example/console"),
    ("MARSHAL_API_RATE_LIMIT", "30", 30),
    ("MARSHAL_API_TOKEN", "marshal_tok-x", "marshal_tok-x"),
]
ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"
READ_BY_BOTO3 = {"AWS_ENDPOINT_URL"}  # documented, read by boto3 itself, not a marshal setting
# the section classes Settings is made of, one per .env.example heading
SECTIONS: tuple[type[BaseModel], ...] = tuple(
    base for base in Settings.__bases__ if base is not BaseSettings and issubclass(base, BaseModel)
)


def _plain(value: object) -> object:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _field_of(env_name: str) -> str:
    [name] = [n for n, f in Settings.model_fields.items() if (f.alias or n).upper() == env_name]
    return name


def test_every_documented_env_name_loads_to_the_same_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documented = re.findall(
        r"^#? ?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M
    )
    assert sorted(documented) == sorted([name for name, _, _ in DOCUMENTED] + [*READ_BY_BOTO3])
    declared = {(f.alias or n).upper() for n, f in Settings.model_fields.items()}
    assert declared == {name for name, _, _ in DOCUMENTED}  # nothing undocumented either

    loaded = settings_from(monkeypatch, **{name: raw for name, raw, _ in DOCUMENTED})

    for name, _, expected in DOCUMENTED:
        assert _plain(getattr(loaded, _field_of(name))) == expected, name


def test_each_setting_belongs_to_exactly_one_section() -> None:
    owners: dict[str, list[str]] = {}
    for section in SECTIONS:
        for name in section.model_fields:
            owners.setdefault(name, []).append(section.__name__)
    assert len(SECTIONS) == 12  # one per .env.example heading (audit keys sit with secrets)
    assert set(owners) == set(Settings.model_fields)
    assert {name: o for name, o in owners.items() if len(o) != 1} == {}
    assert "marshal_http_port" in HttpSettings.model_fields
    assert "marshal_nudge_interval" in RhythmSettings.model_fields
    assert isinstance(Settings(_env_file=None), HttpSettings)
