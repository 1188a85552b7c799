"""OpenID Connect sign-in against a local fake provider: discovery, the authorize redirect,
the token endpoint (client secret, PKCE) and the id_token's signature, audience and nonce."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from bot.domain.audit import AuditAction
from bot.domain.errors import ConfigurationError
from bot.settings import Settings
from bot.wiring.console import build_oidc
from tests.console.conftest import Console, start_console
from tests.fakes.oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc


@pytest.fixture
def provider() -> Iterator[FakeOidc]:
    fake = FakeOidc().start()
    yield fake
    fake.stop()


@pytest.fixture
def oidc_console(tmp_path: Path, provider: FakeOidc) -> Iterator[Console]:
    group, rig = start_console(
        tmp_path,
        marshal_oidc_issuer=provider.url,
        marshal_oidc_client_id=CLIENT_ID,
        marshal_oidc_client_secret=CLIENT_SECRET,
    )
    try:
        yield rig
    finally:
        rig.close()
        group.stop()


def sign_in_through(provider: FakeOidc, client: httpx2.Client) -> httpx2.Response:
    """What a browser does: start, follow the provider's redirect back, land on the callback."""
    started = client.get("/console/oidc/start")
    assert started.status_code == 303
    authorize = started.headers["location"]
    assert authorize.startswith(f"{provider.url}/authorize?")
    with httpx2.Client(follow_redirects=False, timeout=10) as browser_at_provider:
        back = browser_at_provider.get(authorize)
    assert back.status_code == 302
    callback = urllib.parse.urlsplit(back.headers["location"])
    assert callback.path == "/console/oidc/callback"
    return client.get(f"{callback.path}?{callback.query}")


def test_the_sign_in_page_offers_the_provider(oidc_console: Console) -> None:
    page = oidc_console.client().get("/console/sign-in")
    assert 'href="/console/oidc/start"' in page.text and "Sign in with 127.0.0.1" in page.text


def test_a_verified_id_token_signs_the_person_in_and_is_audited(
    oidc_console: Console, provider: FakeOidc
) -> None:
    client = oidc_console.client()
    landed = sign_in_through(provider, client)
    assert landed.status_code == 303 and landed.headers["location"] == "/console/"
    assert "Alice Example" in client.get("/console/").text
    events = oidc_console.backends.audit.events("workspace")
    assert [
        (e.actor, e.details["via"]) for e in events if e.action is AuditAction.CONSOLE_SIGNED_IN
    ] == [("alice@example.com", "oidc")]


def test_sign_in_with_slack_uses_the_slack_user_id(
    oidc_console: Console, provider: FakeOidc
) -> None:
    provider.claims["https://slack.com/user_id"] = "U0ALICE"
    client = oidc_console.client()
    assert sign_in_through(provider, client).status_code == 303
    events = oidc_console.backends.audit.events("workspace")
    assert events[-1].actor == "U0ALICE"


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        ({"sign_with_other_key": True}, "did not verify"),
        ({"audience": "someone-else"}, "did not verify"),
        ({"nonce_override": "replayed"}, "nonce does not match"),
    ],
)
def test_a_bad_id_token_signs_nobody_in(
    oidc_console: Console, provider: FakeOidc, spoil: dict[str, object], says: str
) -> None:
    for name, value in spoil.items():
        setattr(provider, name, value)
    client = oidc_console.client()
    refused = sign_in_through(provider, client)
    assert refused.status_code == 403 and says in refused.text
    assert client.get("/console/").status_code == 303


def test_a_callback_with_a_forged_state_is_refused_before_the_token_endpoint(
    oidc_console: Console, provider: FakeOidc
) -> None:
    client = oidc_console.client()
    client.get("/console/oidc/start")
    answer = client.get("/console/oidc/callback?code=stolen&state=forged")
    assert answer.status_code == 400 and "state does not match" in answer.text
    assert provider.token_requests == 0
    # and a callback with no sign-in under way at all
    assert oidc_console.client().get("/console/oidc/callback?code=x&state=y").status_code == 400


def test_an_unreachable_provider_is_a_clear_answer(tmp_path: Path) -> None:
    group, rig = start_console(
        tmp_path,
        marshal_oidc_issuer="http://127.0.0.1:9",
        marshal_oidc_client_id=CLIENT_ID,
        marshal_oidc_client_secret=CLIENT_SECRET,
    )
    try:
        answer = rig.client().get("/console/oidc/start")
        assert answer.status_code == 502 and "discovery" in answer.text
    finally:
        rig.close()
        group.stop()


def test_half_an_oidc_configuration_stops_start_up_naming_what_is_missing() -> None:
    settings = Settings(_env_file=None, marshal_oidc_issuer="https://id.example")
    with pytest.raises(
        ConfigurationError, match="MARSHAL_OIDC_CLIENT_ID, MARSHAL_OIDC_CLIENT_SECRET"
    ):
        build_oidc(settings)
