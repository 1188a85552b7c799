"""The scale-out verdicts: what several webhooks and processors on one store must never break,
judged from what a user and an auditor can see (the store's incidents, their audit chains,
the Slack calls the sandbox answered). Pure functions, shared by tests/aws/test_scale_out.py
and benchmarks/scale_out.py, and proved able to fail by tests/aws/test_scale_out_verdicts.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.audit import AuditAction, AuditEvent
from bot.domain.models import Incident

NUDGE_TEXT = "Status update due for "  # how every nudge's text starts (bot/slack/blocks/nudge.py)
ROOM_PREFIX = "inc-"
# The sandbox stamps a call when it arrives, after the processor decided to post, so a nudge
# is never seen before its slot was due; this only absorbs float rounding.
_CLOCK_SLACK_SECONDS = 0.005


@dataclass(frozen=True)
class Verdict:
    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def one_incident_per_group(incidents: Sequence[Incident], groups: int) -> Verdict:
    keys = Counter(incident.group_key for incident in incidents)
    doubled = sorted(key for key, n in keys.items() if n > 1)
    ok = len(incidents) == groups and not doubled
    detail = f"{len(incidents)} incidents for {groups} groups"
    return Verdict(
        "one incident per group", ok, detail + (f"; doubled {doubled}" if doubled else "")
    )


def one_room_per_incident(
    incidents: Sequence[Incident], channels: Iterable[Mapping[str, Any]], calls: Sequence[Any]
) -> Verdict:
    """Every incident has its own channel, the workspace has no other war room, and exactly
    one successful conversations.create ran per incident. `channels` are the sandbox's
    channel snapshots, `calls` its call log entries (ApiCall or their JSON)."""
    rooms = sorted(c["id"] for c in channels if str(c["name"]).startswith(ROOM_PREFIX))
    stored = sorted(i.channel_id for i in incidents if i.channel_id)
    created = sum(1 for c in calls if _field(c, "method") == "conversations.create" and _ok(c))
    problems = []
    if len(stored) != len(incidents):
        problems.append(f"{len(incidents) - len(stored)} incidents without a room")
    if len(set(stored)) != len(stored):
        problems.append("two incidents share a room")
    if rooms != sorted(set(stored)):
        problems.append(f"{len(rooms)} rooms in Slack for {len(set(stored))} stored")
    if created != len(incidents):
        problems.append(f"{created} channels created for {len(incidents)} incidents")
    detail = "; ".join(problems) or f"{len(rooms)} rooms, {created} channels created"
    return Verdict("exactly one room per incident", not problems, detail)


def alerts_counted(
    incidents: Sequence[Incident], accepted: Mapping[str, int], sent: int
) -> Verdict:
    """`accepted`: distinct alerts answered 2xx, by the incident id the answer named."""
    on_incidents = {incident.id: incident.alert_count for incident in incidents}
    total = sum(accepted.values())
    wrong = sorted(
        i for i in set(on_incidents) | set(accepted) if on_incidents.get(i, 0) != accepted.get(i, 0)
    )
    ok = total == sent and not wrong
    detail = f"{sent} sent, {total} accepted (2xx), {sum(on_incidents.values())} counted"
    return Verdict(
        "every 2xx alert counted, nothing lost",
        ok,
        detail + (f"; miscounted on {wrong[:5]}" if wrong else ""),
    )


def assembled_once(audit: Mapping[str, Sequence[AuditEvent]]) -> Verdict:
    """One ASSEMBLY_COMPLETED and one WAR_ROOM_CREATED in each incident's audit chain."""
    counts = {
        incident_id: Counter(e.action for e in events) for incident_id, events in audit.items()
    }
    wrong = sorted(
        i
        for i, n in counts.items()
        if n[AuditAction.ASSEMBLY_COMPLETED] != 1 or n[AuditAction.WAR_ROOM_CREATED] != 1
    )
    detail = f"{len(counts) - len(wrong)} of {len(counts)} incidents assembled exactly once"
    return Verdict("exactly one war-room assembly per incident", not wrong, detail)


def nudges_not_doubled(
    incidents: Sequence[Incident],
    calls: Sequence[Any],
    audit: Mapping[str, Sequence[AuditEvent]],
    interval_seconds: float,
) -> Verdict:
    """Slot k of an incident's nudges is due at assembled_at + k * interval, and each slot is
    posted at most once: so the j-th nudge seen in a room is never earlier than slot j's due
    time (two nudges closer than that are a doubled slot), and every posted nudge is one
    NUDGE_SENT in the incident's audit chain."""
    posted: dict[str, list[float]] = {}
    for call in calls:
        args = _field(call, "args")
        text = str(args.get("text", ""))
        if (
            _field(call, "method") == "chat.postMessage"
            and _ok(call)
            and text.startswith(NUDGE_TEXT)
        ):
            posted.setdefault(str(args.get("channel")), []).append(float(_field(call, "at")))
    problems: list[str] = []
    seen = 0
    for incident in incidents:
        times = sorted(posted.get(str(incident.channel_id), []))
        seen += len(times)
        anchor = (incident.assembled_at or incident.triggered_at).timestamp()
        for j, at in enumerate(times, start=1):
            if at + _CLOCK_SLACK_SECONDS < anchor + j * interval_seconds:
                problems.append(
                    f"{incident.id}: nudge {j} at +{at - anchor:.2f}s, "
                    f"slot {j} due at +{j * interval_seconds:.0f}s"
                )
                break
        audited = sum(1 for e in audit.get(incident.id, []) if e.action == AuditAction.NUDGE_SENT)
        if audited != len(times):
            problems.append(f"{incident.id}: {len(times)} nudges posted, {audited} audited")
    if seen == 0:
        problems.append("no nudge was posted at all, so nothing was checked")
    detail = "; ".join(problems[:5]) or (
        f"{seen} nudges in {len(incidents)} rooms, each slot once, none early"
    )
    return Verdict("no doubled nudge", not problems, detail)


def queue_drained(waiting: int, in_flight: int, dead_letters: int) -> Verdict:
    ok = waiting == 0 and in_flight == 0 and dead_letters == 0
    detail = f"{waiting} waiting, {in_flight} in flight, {dead_letters} dead letters"
    return Verdict("every queued event handled", ok, detail)


def _field(call: Any, name: str) -> Any:
    return call[name] if isinstance(call, Mapping) else getattr(call, name)


def _ok(call: Any) -> bool:
    return bool(_field(call, "ok"))
