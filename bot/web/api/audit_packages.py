"""POST /api/v1/audit-packages: a signed audit package, as `marshal audit export` writes it
(bot/services/audit_packages). Read scope (it holds what the audit reads hold); a POST so it
takes an Idempotency-Key like every other, and a replay returns the same package."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, model_validator

from bot.services.audit_packages.export import AuditPackageExporter, Selection
from bot.web.api.operations import Call, Operation, Reply
from bot.web.api.schemas import Strict

MAX_INCIDENTS = 100  # bigger exports are for the CLI, which writes a file


class AuditPackageBody(Strict):
    incident: str | None = Field(default=None, description="one incident id")
    since: datetime | None = Field(default=None, description="incidents triggered since then")
    service: str | None = None
    public_safe: bool = Field(
        default=False, description="people as role labels, personal data scrubbed"
    )

    @model_validator(mode="after")
    def _one_selection(self) -> AuditPackageBody:
        if self.incident and (self.since or self.service):
            raise ValueError("give incident, or since/service, not both")
        if not (self.incident or self.since or self.service):
            raise ValueError("select an incident, or incidents by since and/or service")
        return self


class AuditPackageOperations:
    def __init__(self, exporter: AuditPackageExporter) -> None:
        self._exporter = exporter

    def operations(self) -> Sequence[Operation]:
        return (
            Operation(
                "POST",
                "/audit-packages",
                "exportAuditPackage",
                "A signed audit package of the selected incidents (optionally public-safe)",
                self.export,
                body=AuditPackageBody,
                errors=(404, 422),
            ),
        )

    def export(self, call: Call) -> Reply:
        body = call.body
        assert isinstance(body, AuditPackageBody)
        since = body.since
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        selection = Selection(body.incident, since, body.service)
        try:
            package: dict[str, Any] = self._exporter.export(
                selection, by=call.actor, public_safe=body.public_safe, limit=MAX_INCIDENTS
            )
        except ValueError as exc:
            return Reply.error(422, str(exc))
        if body.incident and not package["incidents"]:
            return Reply.error(404, f"no incident {body.incident}")
        return Reply(200, package)
