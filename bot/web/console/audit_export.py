"""The audit page's export button: a signed, public-safe audit package of one incident,
downloaded as a JSON file.

The package is the one `marshal audit export --public-safe` writes and the operator API's
POST /api/v1/audit-packages returns (AuditPackageExporter): people as role labels, personal
data scrubbed, signed so `marshal audit verify --package` checks it. A POST with the form's
CSRF token, because exporting is an audited action (AUDIT_PACKAGE_EXPORTED, by the signed-in
person), never a link a page elsewhere could make a browser follow.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.services.audit_packages.export import AuditPackageExporter, Selection
from bot.web.console.forms import posted_form
from bot.web.console.rendering import Pages
from bot.web.console.sessions import signed_in


class AuditExportPages:
    def __init__(self, pages: Pages, exporter: AuditPackageExporter) -> None:
        self._pages = pages
        self._exporter = exporter

    def routes(self) -> list[Route]:
        return [Route("/incidents/{incident_id}/audit/export", self.export, methods=["POST"])]

    async def export(self, request: Request) -> Response:
        person = signed_in(request)
        if person is None:
            return self._pages.redirect(request, "/sign-in")
        refused = await posted_form(self._pages, request, nothing="nothing was exported")
        if isinstance(refused, Response):
            return refused
        incident_id = request.path_params["incident_id"]
        package = await self._pages.workers.run(
            lambda: self._exporter.export(
                Selection(incident_id), by=person.user_id, public_safe=True
            )
        )
        if not package["incidents"]:
            return self._pages.message(
                request,
                "No such incident",
                "marshal has no incident with that id.",
                status_code=404,
            )
        name = f"audit-{_safe(incident_id)}-public.json"
        return Response(
            json.dumps(package, indent=2, sort_keys=True),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def _safe(incident_id: str) -> str:
    """The id as a file name: letters, digits, dashes and underscores only."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in incident_id)[:80]
