"""`marshal drill`: fire a signed synthetic alert at a running marshal and time the war room.

It signs exactly as the real sender would, then follows the incident in the store and prints
each assembly step with the time since the alert was sent, until the room is assembled.
"""

from __future__ import annotations

import argparse
import json
import secrets
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from bot.domain.lifecycle import IncidentStatus
from bot.domain.severity import Severity

if TYPE_CHECKING:
    from bot.domain.models import Incident
    from bot.ports.store import Incidents
    from bot.settings import Settings

# The webhook sources of bot/ingest/catalog.py, named here so `--help` need not load every
# parser (tests/cli/test_cli_start_up.py holds the two lists equal).
SOURCES = ("alertmanager", "generic", "grafana", "grafana-oncall", "pagerduty")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    drill = commands.add_parser(
        "drill", help="fire a signed synthetic alert and time each war-room step"
    )
    drill.add_argument("--source", choices=SOURCES, default="generic")
    drill.add_argument("--severity", type=Severity.parse, default=Severity.P2)
    drill.add_argument("--title", default="Drill: synthetic outage")
    drill.add_argument("--url", help="marshal's base URL (default from MARSHAL_HTTP_HOST/PORT)")
    drill.add_argument("--timeout", type=float, default=60.0, help="seconds to wait")
    drill.set_defaults(handler=run_drill)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"--url must be http(s), got {url!r}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, _json(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, _json(exc.read())


def _json(raw: bytes) -> dict[str, Any]:
    """The answer's JSON object; {} for anything else (another server's HTML 404 page)."""
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def missing_steps(incident: Incident) -> list[str]:
    """Required assembly steps that did not finish: each failed, and the room lacks it."""
    from bot.services.war_room.steps import REQUIRED_STEPS  # noqa: PLC0415 - wiring on demand

    return [step.value for step in REQUIRED_STEPS if step.value not in incident.assembly]


def _done(incident: Incident) -> bool:
    return incident.assembled_at is not None or incident.status in {
        IncidentStatus.ASSEMBLY_FAILED,
        IncidentStatus.RESOLVED,
        IncidentStatus.CLOSED,
    }


def follow(store: Incidents, incident_id: str, started: float, timeout: float) -> int:
    """Print each assembly step as it lands; 0 when the room is assembled."""
    seen: set[str] = set()
    deadline = started + timeout
    incident = store.get(incident_id)
    while time.monotonic() < deadline:
        incident = store.get(incident_id)
        if incident is not None:
            steps = sorted(incident.assembly.items(), key=lambda item: item[1].done_at)
            for name, step in steps:
                if name not in seen:
                    seen.add(name)
                    elapsed = time.monotonic() - started
                    print(f"  {elapsed * 1000:8.0f} ms  {name}  ({step.seconds * 1000:.0f} ms)")
            if _done(incident):
                break
        time.sleep(0.05)
    if incident is None or not _done(incident):
        print(f"drill: timed out after {timeout:.0f} s; the room is not assembled yet")
        return 1
    if incident.status is IncidentStatus.ASSEMBLY_FAILED:
        failed = ", ".join(missing_steps(incident)[:1]) or "channel"
        print(
            f"drill: assembly FAILED for {incident.id} at step {failed}; "
            "see the announcements channel and the server log"
        )
        return 1
    total = time.monotonic() - started
    if missing := missing_steps(incident):
        for failed_step in missing:
            print(f"drill: step {failed_step} FAILED for {incident.id}")
        print(
            f"drill: war room #{incident.channel_name} ({incident.channel_id}) is up but "
            f"incomplete after {total:.2f} s: {', '.join(missing)} failed (the room says why; "
            f"retry with `/marshal assemble {incident.id}`)"
        )
        return 1
    print(
        f"drill: war room #{incident.channel_name} ({incident.channel_id}) ready in {total:.2f} s"
    )
    if incident.assembly_seconds is not None:
        print(
            f"drill: marshal's own measure, alert to assembled: {incident.assembly_seconds:.2f} s"
        )
    if (note := nobody_invited(incident)) is not None:
        print(note)
    report_first_page(store, incident_id, started, deadline)
    return 0


def nobody_invited(incident: Incident) -> str | None:
    """A room that is only the bot (and the declarer) is "ready" to nobody: say so."""
    invites = incident.assembly.get("invites")
    if invites is None or invites.detail.get("invited", 0):
        return None
    return (
        "drill: nobody else was invited to the room: no directory entry or on-call resolved and "
        "MARSHAL_DEFAULT_RESPONDERS is not set (see docs/slack-setup.md)"
    )


def report_first_page(store: Incidents, incident_id: str, started: float, deadline: float) -> None:
    """Once the room is up, the first page (when the incident pages): when it was sent, to
    whom, and marshal's own measure from the alert received to that page."""
    begun = time.monotonic()
    deadline = min(deadline, begun + 15.0)
    while time.monotonic() < deadline:
        incident = store.get(incident_id)
        state = incident.escalation if incident else None
        if incident is None or state is None:
            if time.monotonic() - begun > 3.0:  # paging starts with the room: it does not page
                break
            time.sleep(0.05)
            continue
        sent = [p for p in state.pages if p.ok]
        if sent:
            first = min(sent, key=lambda p: p.at)
            own = (first.at - incident.triggered_at).total_seconds()
            elapsed = (time.monotonic() - started) * 1000
            print(f"  {elapsed:8.0f} ms  first page sent (level {first.level}, {first.target})")
            print(f"drill: marshal's own measure, alert to first page: {own:.2f} s")
            return
        time.sleep(0.05)
    print("drill: no page was sent (below MARSHAL_PAGE_SEVERITIES, or no escalation policy)")


def run_drill(args: argparse.Namespace, settings: Settings) -> int:
    # Loaded when the command runs: `marshal --help` must not pay for the AWS SDK and wiring.
    from bot.ingest.catalog import CATALOG  # noqa: PLC0415
    from bot.ingest.drill_payloads import drill_payload  # noqa: PLC0415
    from bot.wiring.secrets import build_secret_source  # noqa: PLC0415
    from bot.wiring.stores import build_store  # noqa: PLC0415

    source: str = args.source
    entry = CATALOG[source]
    secret = build_secret_source(settings).secret_for(entry.source)
    if secret is None and entry.secret_required:
        where = (
            f"secret {settings.marshal_secrets_prefix}webhook/{source} in Secrets Manager"
            if settings.marshal_secrets == "secretsmanager"
            else f"MARSHAL_SECRET_{source.replace('-', '_').upper()}"
        )
        print(f"drill: {where} is not set; set it to the same value the server uses")
        return 2
    run_id = secrets.token_hex(8)
    body = json.dumps(drill_payload(source, args.severity, run_id, args.title)).encode()
    headers = entry.sign(secret, body, int(time.time())) if secret else {}
    base = args.url or f"http://{settings.marshal_http_host}:{settings.marshal_http_port}"
    url = f"{base.rstrip('/')}/webhooks/{source}"

    print(f"drill: firing a {args.severity} {source} alert at {url}")
    started = time.monotonic()
    try:
        status, reply = _post(url, body, headers)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"drill: cannot reach marshal at {base}: {exc}")
        return 1
    accepted_ms = (time.monotonic() - started) * 1000
    incident_id = reply.get("incident_id")
    if status == 404:
        print(f"drill: HTTP 404 at {url}: is this marshal's web port?")
        return 1
    if status not in (200, 202) or not isinstance(incident_id, str):
        print(f"drill: marshal answered {status}: {reply.get('error', reply)}")
        return 1
    print(f"  {accepted_ms:8.0f} ms  webhook accepted ({status}) -> incident {incident_id}")
    return follow(build_store(settings), incident_id, started, args.timeout)
