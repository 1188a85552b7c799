"""Naming people in a finished postmortem: Slack user ids become the person's Slack handle.

Done on the final markdown only (after any LLM draft), so names never reach the LLM; an id
Slack does not know, or a lookup that fails, stays as it was."""

from __future__ import annotations

import logging
import re

from bot.ports.slack import SlackCallFailed, SlackGateway

log = logging.getLogger(__name__)

# A Slack user id: U or W, then capitals and digits with at least one digit (so "UTC" or
# "WARN" are left alone).
_USER_ID = re.compile(r"\b[UW](?=[A-Z0-9]*\d)[A-Z0-9]{2,}\b")


def name_people(markdown: str, slack: SlackGateway) -> str:
    names: dict[str, str] = {}
    for user_id in dict.fromkeys(_USER_ID.findall(markdown)):
        try:
            person = slack.user_info(user_id)
        except SlackCallFailed as exc:
            log.warning("postmortem: no name for %s (%s)", user_id, exc.error)
            continue
        if person is not None and person.name:
            names[user_id] = f"@{person.name}"
    return _USER_ID.sub(lambda found: names.get(found.group(0), found.group(0)), markdown)
