"""The sandbox status page: enough of Statuspage.io's REST API v1 for marshal, and a page of it.

`marshal up` on the sandbox Slack with no `STATUSPAGE_*` settings points its Statuspage client
here, so draft -> approve -> public post works locally with no account: `/statuspage/v1/pages/
<page>/incidents` (GET newest first, POST), `.../incidents/<id>` (GET, PATCH), `.../components/<id>`
(PATCH), each checking `Authorization: OAuth <key>`; `GET /status` shows what was published as
a reader of the public page would see it. Published text is untrusted and escaped on the page.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from html import escape
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

API_KEY = "sandbox-statuspage-key"
PAGE_ID = "sandbox"
PREFIX = "/statuspage/v1/"
STATUS_PAGE_FILE = "sandbox-statuspage.json"  # beside the workspace's state file
INCIDENT_STATUSES = frozenset({"investigating", "identified", "monitoring", "resolved"})
COMPONENT_STATUSES = frozenset(
    {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}
)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class SandboxStatusPage:
    """Incidents and components of one public page, in memory, behind a lock."""

    def __init__(self, base_url: str, *, state_path: Path | None = None) -> None:
        """`state_path`: keep what was published across restarts (marshal keeps the public ids)."""
        self.base_url = base_url
        self._lock = threading.Lock()
        self._path = state_path
        self.incidents: dict[str, dict[str, Any]] = {}
        self.components: dict[str, dict[str, Any]] = {
            "api": {"id": "api", "name": "API", "status": "operational"}
        }
        if state_path is not None and state_path.exists():
            try:
                saved = json.loads(state_path.read_text("utf-8"))
                self.incidents = dict(saved["incidents"])
                self.components = dict(saved["components"])
            except (ValueError, KeyError, TypeError):
                os.replace(state_path, state_path.with_suffix(".broken.json"))

    def _save(self) -> None:
        # Called under the lock after each write; publishes are rare, so write at once.
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_suffix(".tmp")
        temporary.write_text(
            json.dumps({"incidents": self.incidents, "components": self.components}), "utf-8"
        )
        os.replace(temporary, self._path)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}{PREFIX}"

    def routes(self) -> list[Route]:
        pages = f"{PREFIX}pages/{{page}}"
        return [
            Route(f"{pages}/incidents", self._incidents, methods=["GET", "POST"]),
            Route(f"{pages}/incidents/{{public_id}}", self._incident, methods=["GET", "PATCH"]),
            Route(f"{pages}/components/{{component}}", self._component, methods=["PATCH"]),
            Route("/status", self._page),
        ]

    def published(self) -> list[dict[str, Any]]:
        with self._lock:
            copied: list[dict[str, Any]] = json.loads(json.dumps(list(self.incidents.values())))
        return copied[::-1]  # newest first, as the API lists them

    # API --------------------------------------------------------------------------------------

    async def _checked(self, request: Request, key: str) -> dict[str, Any] | JSONResponse:
        """The request's `key` object (`incident`, `component`), or the refusal to answer."""
        if request.headers.get("authorization") != f"OAuth {API_KEY}":
            return JSONResponse({"error": "Could not authenticate"}, status_code=401)
        if request.path_params["page"] != PAGE_ID:
            return JSONResponse({"error": "page not found"}, status_code=404)
        if request.method == "GET":
            return {}
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        fields = body.get(key) if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return JSONResponse({"error": f"{key} is missing"}, status_code=422)
        return fields

    async def _incidents(self, request: Request) -> JSONResponse:
        fields = await self._checked(request, "incident")
        if isinstance(fields, JSONResponse):
            return fields
        if request.method == "GET":
            limit = request.query_params.get("limit", "100")
            return JSONResponse(self.published()[: int(limit) if limit.isdigit() else 100])
        status = fields.get("status", "investigating")
        if not fields.get("name"):
            return JSONResponse({"error": "name can't be blank"}, status_code=422)
        if status not in INCIDENT_STATUSES:
            return JSONResponse({"error": f"status {status!r} is not valid"}, status_code=422)
        public_id = secrets.token_hex(6)
        incident = {
            "id": public_id,
            "page_id": PAGE_ID,
            "name": str(fields["name"]),
            "status": status,
            "shortlink": f"{self.base_url}/status#{public_id}",
            "metadata": fields.get("metadata") or {},
            "created_at": _now(),
            "incident_updates": [
                {"status": status, "body": str(fields.get("body", "")), "created_at": _now()}
            ],
        }
        with self._lock:
            self.incidents[public_id] = incident
            self._save()
        return JSONResponse(incident, status_code=201)

    async def _incident(self, request: Request) -> JSONResponse:
        fields = await self._checked(request, "incident")
        if isinstance(fields, JSONResponse):
            return fields
        with self._lock:
            incident = self.incidents.get(request.path_params["public_id"])
            if incident is None:
                return JSONResponse({"error": "incident not found"}, status_code=404)
            if request.method == "GET":
                return JSONResponse(incident)
            status = fields.get("status", incident["status"])
            if status not in INCIDENT_STATUSES:
                return JSONResponse({"error": f"status {status!r} is not valid"}, status_code=422)
            incident["status"] = status
            if isinstance(fields.get("metadata"), dict):
                incident["metadata"] = {**incident["metadata"], **fields["metadata"]}
            if "body" in fields:
                update = {"status": status, "body": str(fields["body"]), "created_at": _now()}
                incident["incident_updates"].insert(0, update)
            self._save()
            return JSONResponse(incident)

    async def _component(self, request: Request) -> JSONResponse:
        fields = await self._checked(request, "component")
        if isinstance(fields, JSONResponse):
            return fields
        status = fields.get("status")
        with self._lock:
            component = self.components.get(request.path_params["component"])
            if component is None:
                return JSONResponse({"error": "component not found"}, status_code=404)
            if status not in COMPONENT_STATUSES:
                return JSONResponse({"error": f"status {status!r} is not valid"}, status_code=422)
            component["status"] = status
            self._save()
            return JSONResponse(component)

    # the public page --------------------------------------------------------------------------

    async def _page(self, request: Request) -> HTMLResponse:
        return HTMLResponse(render_status_page(self.published(), list(self.components.values())))


def render_status_page(incidents: list[dict[str, Any]], components: list[dict[str, Any]]) -> str:
    rows = "".join(
        f'<li class="component">{escape(str(c["name"]))}: '
        f"{escape(str(c['status']).replace('_', ' '))}</li>"
        for c in components
    )
    shown = []
    for incident in incidents:
        updates = "".join(
            f'<li class="update"><strong>{escape(str(u.get("status", "")).title())}</strong> '
            f'<span class="when">{escape(str(u.get("created_at", "")))}</span>'
            f'<p class="body">{escape(str(u.get("body", "")))}</p></li>'
            for u in incident.get("incident_updates", [])
        )
        shown.append(
            f'<section class="incident" id="{escape(str(incident["id"]), quote=True)}">'
            f'<h2>{escape(str(incident["name"]))} <span class="status">'
            f"{escape(str(incident['status']))}</span></h2><ol>{updates}</ol></section>"
        )
    body = "".join(shown) or '<p class="quiet">No incidents published.</p>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Sandbox status page</title>"
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto}"
        ".status{font-size:13px;color:#555}.when{color:#777;font-size:12px}</style></head>"
        "<body><h1>Sandbox status page</h1><p>What marshal published to this local stand-in for "
        f"Statuspage.io.</p><ul>{rows}</ul>{body}</body></html>"
    )
