"""find_room: which incident a Slack channel is the war room of, from the moment it exists.

The assembler writes the name it is about to create on the incident first, then asks Slack
for the channel, then records the channel id Slack returned. A command typed in the room
between the last two writes (people are invited while assembly goes on and type at once)
would find no incident by channel id; the planned name, which Slack sends with every slash
command, closes that gap: channel names are unique in a workspace, and only an open
incident still waiting for its channel id (or whose id the channel index has not caught up
with) can claim the channel this way.
"""

from __future__ import annotations

from bot.domain.models import Incident
from bot.ports.store import Incidents

ROOM_PREFIX = "inc-"  # every war-room name starts so (channel_name.channel_name)


def find_room(store: Incidents, channel_id: str, channel_name: str = "") -> Incident | None:
    """The incident whose war room `channel_id` (named `channel_name`) is, or None."""
    if not channel_id:
        return None
    incident = store.find_by_channel(channel_id)
    if incident is not None or not channel_name.startswith(ROOM_PREFIX):
        return incident
    return _being_assembled(store, channel_id, channel_name)


def _being_assembled(store: Incidents, channel_id: str, channel_name: str) -> Incident | None:
    cursor: str | None = None
    while True:
        page = store.list_incidents(open_only=True, cursor=cursor)
        for incident in page.items:
            if incident.channel_name == channel_name and incident.channel_id in (None, channel_id):
                return incident
        if page.next_cursor is None:
            return None
        cursor = page.next_cursor
