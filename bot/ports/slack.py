"""SlackGateway port: the Slack Web API calls services need, in domain words.

The adapter (bot/slack/gateway.py) wraps slack_sdk's WebClient with retries for 429
(honouring Retry-After), 5xx and connection errors. Failures surface as SlackCallFailed.

A message is either marshal's own mrkdwn text (outside pieces already escaped through
bot/services/slack_text.py) or a view (bot/ports/slack_views.py) that the adapter renders
to Block Kit, fallback text included. No Block Kit crosses this port.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field

from bot.domain.errors import MarshalError
from bot.ports.slack_views import MessageView, ModalView


class SlackCallFailed(MarshalError):
    def __init__(self, method: str, error: str) -> None:
        self.method = method
        self.error = error
        super().__init__(f"Slack {method} failed: {error}")


class Channel(BaseModel):
    id: str
    name: str


class InviteResult(BaseModel):
    invited: list[str] = Field(default_factory=list)
    failed: dict[str, str] = Field(default_factory=dict)  # user id -> Slack error


class SlackUser(BaseModel):
    """What users.info says about a person: enough to refuse a mention of no one."""

    id: str
    name: str = ""
    email: str | None = None
    deleted: bool = False  # deactivated: the id still resolves, the person is gone
    is_bot: bool = False


class Usergroup(BaseModel):
    id: str
    handle: str
    name: str = ""


class SlackGateway(Protocol):
    def create_private_channel(self, name: str) -> Channel:
        """Raises SlackCallFailed('conversations.create', 'name_taken') when taken."""

    def create_public_channel(self, name: str) -> Channel:
        """Like create_private_channel, for severities whose rooms are public."""

    def find_channel_by_name(self, name: str) -> Channel | None: ...

    def set_topic(self, channel_id: str, topic: str) -> None: ...

    def set_purpose(self, channel_id: str, purpose: str) -> None: ...

    def invite(self, channel_id: str, user_ids: list[str]) -> InviteResult:
        """Invites in batches; one bad user id never blocks the others."""

    def post_message(
        self, channel_id: str, message: str | MessageView, *, thread_ts: str | None = None
    ) -> str:
        """Returns the message ts."""

    def update_message(self, channel_id: str, ts: str, message: str | MessageView) -> None: ...

    def post_ephemeral(self, channel_id: str, user_id: str, text: str) -> None: ...

    def send_dm(self, user_id: str, message: str | MessageView) -> str:
        """Opens (or reuses) the IM channel and posts; returns the message ts."""

    def pin(self, channel_id: str, ts: str) -> None: ...

    def add_bookmark(self, channel_id: str, title: str, url: str) -> None: ...

    def lookup_user_by_email(self, email: str) -> str | None: ...

    def user_info(self, user_id: str) -> SlackUser | None:
        """users.info: the user, or None when Slack answers user_not_found."""

    def usergroup_members(self, usergroup_id: str) -> list[str]: ...

    def list_usergroups(self) -> list[Usergroup]:
        """usergroups.list: the workspace's user groups (id, handle, name)."""

    def permalink(self, channel_id: str, ts: str) -> str: ...

    def history(self, channel_id: str, *, limit: int = 200) -> list[dict[str, Any]]: ...

    def message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        """One message (top-level or thread reply) by its ts, or None when it is gone."""

    def archive(self, channel_id: str) -> None: ...

    def retire_incident_buttons(self, channel_id: str, note: str) -> int:
        """Replace the buttons a resolve makes moot (nudges, checklist, status-draft reviews)
        in the room's recent messages with `note` (marshal's mrkdwn); returns how many
        messages changed. Idempotent: a retired message has nothing left to retire."""

    def unarchive(self, channel_id: str) -> None:
        """conversations.unarchive, then the bot rejoins (Slack removes it from an archived
        public channel); a channel that is not archived is fine."""

    def open_view(self, trigger_id: str, view: ModalView) -> str:
        """Opens a modal for the user whose interaction issued `trigger_id`; returns its id."""
