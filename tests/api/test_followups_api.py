"""Follow-ups over HTTP: added through the room's `followup add`, listed by scope with pages,
and shown in the incident's detail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import Api
from tests.eventually import eventually


def test_add_list_and_detail(api_up: Api) -> None:
    incident_id = api_up.alert("needs follow-ups")
    base = f"/api/v1/incidents/{incident_id}"
    in_a_month = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()
    for n, due in enumerate(("7d", "1s", in_a_month)):
        added = api_up.post(
            f"{base}/followups",
            {"text": f"fix thing {n} due to load P1", "due": due, "priority": "P2"},
            key=f"f{n}",
        )
        assert added.status == 200, added.body
    listed = api_up.get("/api/v1/followups?limit=2").body
    assert len(listed["items"]) == 2 and listed["next_cursor"]
    rest = api_up.get(f"/api/v1/followups?limit=2&cursor={listed['next_cursor']}").body
    assert rest["next_cursor"] is None
    texts = sorted(f["text"] for f in listed["items"] + rest["items"])
    assert texts == [f"fix thing {n} due to load P1" for n in range(3)]
    assert all(f["priority"] == "P2" and f["created_by"] == "api:writer" for f in rest["items"])

    def overdue() -> list[str]:
        items = api_up.get("/api/v1/followups?scope=overdue").body["items"]
        return [f["text"] for f in items]

    assert eventually(overdue) == ["fix thing 1 due to load P1"]
    assert api_up.get("/api/v1/followups?scope=bad").status == 400
    assert (
        api_up.get("/api/v1/followups?cursor=@@@").body["items"]
        == api_up.get("/api/v1/followups").body["items"]
    )
    detail = api_up.get(base).body
    assert len(detail["sections"]["followups"]) == 3
    bad_due = api_up.post(f"{base}/followups", {"text": "x", "due": "soon"}, key="f9")
    assert bad_due.status == 422
