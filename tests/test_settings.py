from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.domain.severity import Severity
from bot.settings import Settings, describe_error, parse_duration


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
