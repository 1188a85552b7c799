"""POST /api/v1/audit-packages: the signed package over HTTP, verifiable like the CLI's;
selection checked; a replay with the same key returns the same package."""

from __future__ import annotations

from bot.domain.audit_keys import AuditKeyring
from bot.services.audit_packages.verify import verify_package
from tests.api.conftest import Api


def test_export_over_http_verifies_and_replays(api: Api) -> None:
    incident_id = api.alert("export me")
    body = {"incident": incident_id, "public_safe": True}
    first = api.post("/api/v1/audit-packages", body, key="p1", token=api.read_token)
    assert first.status == 200, first.body
    package = first.body
    assert package["manifest"]["incidents"] == [incident_id]
    assert package["manifest"]["exported_by"] == "api:reader"
    keys = AuditKeyring.from_text("api-tests-audit-key")
    assert verify_package(package, keys=keys) == []
    again = api.post("/api/v1/audit-packages", body, key="p1", token=api.read_token)
    assert again.body == package and again.headers["idempotent-replayed"] == "true"
    package["incidents"][0]["events"][0]["actor"] = "someone"
    assert verify_package(package, keys=keys) != []


def test_selection_is_checked(api: Api) -> None:
    none = api.post("/api/v1/audit-packages", {}, key="p2", token=api.read_token)
    assert none.status == 400 and "select" in none.body["error"]
    both = api.post(
        "/api/v1/audit-packages",
        {"incident": "inc-x", "service": "s"},
        key="p3",
        token=api.read_token,
    )
    assert both.status == 400 and "not both" in both.body["error"]
    missing = api.post(
        "/api/v1/audit-packages", {"incident": "inc-missing"}, key="p4", token=api.read_token
    )
    assert missing.status == 404
