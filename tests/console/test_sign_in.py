"""Console sign-in over HTTP: one-time login links, sessions, CSRF, security headers."""

from __future__ import annotations

import time

from bot.domain.audit import AuditAction
from bot.web.console.login_links import LoginLinkSigner, console_secret
from bot.wiring.audit_keys import audit_keyring
from tests.console.conftest import Console, csrf_of


def test_every_page_needs_a_signed_in_person(console: Console) -> None:
    incident = console.incident()
    client = console.client()
    for path in (
        "/console/",
        f"/console/incidents/{incident.id}",
        f"/console/incidents/{incident.id}/audit",
    ):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/sign-in"
    answer = client.post(f"/console/incidents/{incident.id}/ack", data={"csrf_token": "x"})
    assert answer.status_code == 303
    assert console.backends.store.get(incident.id).acknowledged_by is None  # type: ignore[union-attr]


def test_a_login_link_signs_in_once_and_the_sign_in_is_audited(console: Console) -> None:
    client = console.client()
    token = console.login_token("U0ALICE")
    page = client.get(f"/console/login/{token}")
    assert page.status_code == 200 and "Sign in as U0ALICE" in page.text
    # the GET alone (a link preview) does not use the link up
    again = client.get(f"/console/login/{token}")
    assert again.status_code == 200
    answer = client.post(f"/console/login/{token}", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/"
    assert "U0ALICE" in client.get("/console/").text

    other = console.client()
    page = other.get(f"/console/login/{token}")
    refused = other.post(f"/console/login/{token}", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 403
    assert "already used" in refused.text
    assert other.get("/console/").status_code == 303  # still not signed in

    events = console.backends.audit.events("workspace")
    sign_ins = [e for e in events if e.action is AuditAction.CONSOLE_SIGNED_IN]
    assert [(e.actor, e.details["via"]) for e in sign_ins] == [("U0ALICE", "login-link")]


def test_expired_and_forged_links_are_refused(console: Console) -> None:
    secret = console_secret(audit_keyring(console.settings))
    expired = LoginLinkSigner(secret, clock=lambda: time.time() - 3600).issue(
        "U0ALICE", ttl_seconds=60
    )
    forged = LoginLinkSigner(b"another key entirely").issue("U0ALICE")
    client = console.client()
    answer = client.get(f"/console/login/{expired}")
    assert answer.status_code == 403 and "expired" in answer.text
    answer = client.get(f"/console/login/{forged}")
    assert answer.status_code == 403 and "not valid" in answer.text


def test_a_form_without_the_session_csrf_token_changes_nothing(console: Console) -> None:
    incident = console.incident()
    client = console.signed_in()
    for data in ({"no_token": ""}, {"csrf_token": "guessed"}):
        answer = client.post(f"/console/incidents/{incident.id}/ack", data=data)
        assert answer.status_code == 403
        answer = client.post(
            f"/console/incidents/{incident.id}/note", data={**data, "text": "sneaky"}
        )
        assert answer.status_code == 403
    stored = console.backends.store.get(incident.id)
    assert stored is not None and stored.acknowledged_by is None
    assert console.backends.store.list_timeline(incident.id) == []
    # a login form posted without its token does not sign anyone in either
    fresh = console.client()
    token = console.login_token()
    assert fresh.post(f"/console/login/{token}", data={"no_token": ""}).status_code == 403
    assert fresh.get("/console/").status_code == 303


def test_signing_out_ends_the_session(console: Console) -> None:
    client = console.signed_in()
    assert client.get("/console/sign-in").headers["location"] == "/console/"  # signed in
    page = client.get("/console/")
    answer = client.post("/console/logout", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303
    assert client.get("/console/").status_code == 303


def test_a_tampered_session_cookie_is_not_a_session(console: Console) -> None:
    client = console.signed_in()
    cookie = client.cookies.get("marshal_console")
    assert cookie
    forged = console.client()
    forged.cookies.set("marshal_console", cookie[:-4] + "AAAA", path="/console")
    assert forged.get("/console/").status_code == 303


def test_every_answer_carries_a_strict_content_security_policy(console: Console) -> None:
    client = console.signed_in()
    for path in (
        "/console/",
        "/console/sign-in",
        "/console/incidents/nope",
        "/console/static/console.css",
    ):
        headers = client.get(path).headers
        assert headers["content-security-policy"].startswith("default-src 'none'")
        assert "script-src" not in headers["content-security-policy"]  # no script at all
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
    cookie_header = console.client().get(f"/console/login/{console.login_token()}").headers
    assert "httponly" in cookie_header["set-cookie"].lower()
    assert "path=/console" in cookie_header["set-cookie"].lower()


def test_an_oversized_or_foreign_form_is_refused_with_a_clear_answer(console: Console) -> None:
    incident = console.incident()
    client = console.signed_in()
    csrf = csrf_of(client.get(f"/console/incidents/{incident.id}").text)
    path = f"/console/incidents/{incident.id}/note"
    huge = client.post(path, data={"csrf_token": csrf, "text": "x" * 70_000})
    assert huge.status_code == 413 and "larger than 64 KiB" in huge.text
    as_json = client.post(path, json={"csrf_token": csrf, "text": "hi"})
    assert as_json.status_code == 415
    not_utf8 = client.post(
        path,
        content=b"csrf_token=" + csrf.encode() + b"&text=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert not_utf8.status_code == 400 and "could not be read" in not_utf8.text
    assert console.backends.store.list_timeline(incident.id) == []
