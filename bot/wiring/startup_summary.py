"""The start-up summary `marshal up`, `webhook` and `processor` print once: what is on, where,
and a warning for each setting whose absence makes a feature silently do nothing.

Plain text built from the settings and what started (no I/O), so a person reading their
terminal learns what a first alert will and will not do before sending one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.ingest.catalog import CATALOG
from bot.settings import Settings


@dataclass(frozen=True)
class Started:
    """What this process started and where it listens (None: not part of this process)."""

    parts: str  # up | webhook | processor
    web_url: str | None = None
    sandbox_url: str | None = None
    statuspage_url: str | None = None  # the sandbox status page, when marshal publishes there


def _secret_setting(source: str) -> str:
    return f"MARSHAL_SECRET_{source.replace('-', '_').upper()}"


def webhook_sources(settings: Settings) -> str:
    if settings.marshal_secrets == "secretsmanager":
        return (
            f"every source, secrets read from Secrets Manager "
            f"({settings.marshal_secrets_prefix}webhook/<source>); a missing one refuses"
        )
    described = []
    for source, entry in CATALOG.items():
        secret = getattr(settings, f"marshal_secret_{source.replace('-', '_')}", None)
        if secret is not None:
            described.append(f"{source} on")
        elif entry.secret_required:
            described.append(f"{source} REFUSING (no {_secret_setting(source)})")
        else:
            described.append(f"{source} on, UNSIGNED (no {_secret_setting(source)})")
    return "; ".join(described)


def _slack(settings: Settings, started: Started) -> str:
    if started.sandbox_url:
        return f"sandbox at {started.sandbox_url} (no SLACK_BOT_TOKEN / SLACK_APP_TOKEN)"
    if settings.slack_tokens_from_secrets_manager:
        return f"real Slack at {settings.slack_api_url} (tokens from Secrets Manager)"
    return f"real Slack at {settings.slack_api_url}"


def _store(settings: Settings) -> str:
    if settings.marshal_store == "dynamodb":
        return f"dynamodb, tables {settings.marshal_table_prefix}*"
    return f"sqlite {settings.marshal_db_path}"


def _queue(settings: Settings) -> str:
    if settings.marshal_queue == "sqs":
        return f"sqs {settings.marshal_queue_url or '(MARSHAL_QUEUE_URL unset)'}"
    return f"local, in {settings.marshal_db_path}"


def _approvers(settings: Settings) -> str:
    who = ", ".join(settings.marshal_approvers) or "none (only an incident's IC may approve)"
    rule = ",".join(s.value for s in settings.marshal_two_person_rule) or "off"
    return f"{who}; two-person rule: {rule}"


def _status_page(settings: Settings, started: Started) -> str:
    if started.statuspage_url:
        return f"sandbox status page at {started.statuspage_url}"
    if settings.statuspage_api_key is None or not settings.statuspage_page_id:
        return "not configured (approved drafts cannot be published)"
    return f"{settings.statuspage_api_url} page {settings.statuspage_page_id}"


def warnings(settings: Settings, started: Started) -> list[str]:
    """Each setting whose absence makes a feature do nothing without saying so elsewhere."""
    found: list[str] = []
    processing = started.parts in ("up", "processor")
    if processing and not settings.marshal_announce_channel:
        found.append("MARSHAL_ANNOUNCE_CHANNEL is unset: new incidents are announced nowhere")
    if (
        processing
        and settings.marshal_directory_file is None
        and not settings.marshal_default_responders
    ):
        found.append(
            "no MARSHAL_DIRECTORY_FILE and no MARSHAL_DEFAULT_RESPONDERS: war rooms for alerts "
            "are opened with nobody invited"
        )
    if processing and not settings.marshal_approvers:
        found.append(
            "MARSHAL_APPROVERS is empty: only an incident's IC may approve a status-page draft"
        )
    if (
        processing
        and not started.statuspage_url
        and (settings.statuspage_api_key is None or not settings.statuspage_page_id)
    ):
        found.append(
            "STATUSPAGE_API_KEY / STATUSPAGE_PAGE_ID unset: approved drafts are not published"
        )
    if started.parts in ("up", "webhook") and settings.marshal_secrets == "env":
        refusing = [
            source
            for source, entry in CATALOG.items()
            if entry.secret_required
            and getattr(settings, f"marshal_secret_{source.replace('-', '_')}", None) is None
        ]
        if len(refusing) == len([e for e in CATALOG.values() if e.secret_required]):
            found.append(
                "no webhook secret is set: every signed source answers 401; set "
                "MARSHAL_SECRET_<SOURCE> for the ones you use"
            )
    return found


def summary_lines(settings: Settings, started: Started) -> list[str]:
    rows: list[tuple[str, str]] = []
    if started.web_url:
        rows.append(("web", f"{started.web_url} (webhooks at {started.web_url}/webhooks/<source>)"))
        rows.append(("webhooks", webhook_sources(settings)))
    if started.parts in ("up", "processor"):
        rows.append(("slack", _slack(settings, started)))
    rows += [("store", _store(settings)), ("queue", _queue(settings))]
    if started.parts in ("up", "processor"):
        rows.append(("approvers", _approvers(settings)))
        rows.append(("status page", _status_page(settings, started)))
    lines = [f"marshal: {started.parts} start-up summary"]
    lines += [f"  {name:<12} {value}" for name, value in rows]
    lines += [f"  warning: {text}" for text in warnings(settings, started)]
    return lines
