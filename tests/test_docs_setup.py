"""docs/slack-setup.md stays true: every field of the generic alert schema, every severity
word marshal accepts, every source's endpoint and the people settings are named there."""

from __future__ import annotations

from pathlib import Path

from bot.ingest.severity_map import DEFAULT_SEVERITY_MAP
from bot.ingest.sources.generic import GenericAlert

DOC = Path(__file__).resolve().parents[1] / "docs" / "slack-setup.md"


def test_the_generic_schema_and_the_severity_words_are_all_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for field in GenericAlert.model_fields:
        assert f"| `{field}` |" in text, field
    for word in DEFAULT_SEVERITY_MAP.aliases:
        assert f"`{word}`" in text, word


def test_every_source_and_the_people_settings_are_named() -> None:
    text = DOC.read_text(encoding="utf-8")
    for path in ("alertmanager", "grafana", "grafana-oncall", "pagerduty", "generic"):
        assert f"/webhooks/{path}" in text, path
    for name in (
        "MARSHAL_ANNOUNCE_CHANNEL",
        "MARSHAL_DIRECTORY_FILE",
        "MARSHAL_APPROVERS",
        "MARSHAL_DEFAULT_RESPONDERS",
        "chat:write.public",
    ):
        assert name in text, name
    for line in (Path(__file__).resolve().parents[1] / ".env.example").read_text().splitlines():
        if line.startswith("MARSHAL_SECRET_"):
            assert line.split("=")[0] in text, line
