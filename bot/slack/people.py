"""SlackPeople: a Slack user's email (users.info), so the tracker can assign the IC."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class SlackPeople:
    def __init__(self, client: WebClient) -> None:
        self._client = client

    def email_of(self, user_id: str) -> str | None:
        try:
            response = self._client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info failed: %s", exc.response.get("error"))
            return None
        profile = (response.get("user") or {}).get("profile") or {}
        email = profile.get("email")
        return str(email) if email else None
