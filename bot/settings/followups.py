"""Follow-up and report settings: the weekly digest, where reports go, the Jira tracker."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, SecretStr


class FollowupSettings(BaseModel):
    """Follow-ups, the weekly digest and Jira (DESIGN.md section 3b)."""

    marshal_digest_channel: str | None = None
    marshal_digest_cron: str = "0 8 * * MON"  # UTC
    marshal_reports_dir: Path = Path("reports")
    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    jira_project: str | None = None
