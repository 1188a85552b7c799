"""OpenID Connect sign-in for the console (MARSHAL_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET).

The authorization-code flow with PKCE: discovery from the issuer's
`/.well-known/openid-configuration`, a redirect to its authorization endpoint with a random
state and nonce, the code exchanged at its token endpoint (client_secret_basic), and the
id_token's signature checked with PyJWT against the issuer's JWKS, along with its issuer,
audience, expiry and nonce. "Sign in with Slack" is OIDC too: its id_token names the Slack
user (`https://slack.com/user_id`), which becomes the person, so the console's actions are
audited under the same id as that person's Slack commands. Every call goes through
OutboundHttp (timeouts, bounded retries).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import urllib.parse
from dataclasses import dataclass
from typing import Any

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.domain.errors import MarshalError

SLACK_USER_CLAIM = "https://slack.com/user_id"
_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class OidcFailed(MarshalError):
    """Sign-in could not complete; the message says why, without any secret in it."""


@dataclass(frozen=True)
class OidcRequest:
    """What the browser is sent to the provider with, and the session keeps to check the
    answer: state (against forged callbacks), nonce (against replayed tokens), PKCE."""

    url: str
    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class OidcIdentity:
    user_id: str
    name: str


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class OidcClient:
    def __init__(
        self, issuer: str, client_id: str, client_secret: str, *, timeout: float = 5.0
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._secret = client_secret
        self._timeout = timeout
        self._clients: dict[str, OutboundHttp] = {}  # one per endpoint URL (few, fixed)
        self._lock = threading.Lock()
        self._discovery: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return urllib.parse.urlsplit(self.issuer).hostname or self.issuer

    def start(self, redirect_uri: str) -> OidcRequest:
        meta = self._meta()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        query = {
            "response_type": "code",
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid profile email",
            "state": state,
            "nonce": nonce,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
        url = f"{meta['authorization_endpoint']}?{urllib.parse.urlencode(query)}"
        return OidcRequest(url=url, state=state, nonce=nonce, verifier=verifier)

    def finish(self, code: str, redirect_uri: str, *, nonce: str, verifier: str) -> OidcIdentity:
        meta = self._meta()
        basic = base64.b64encode(
            f"{urllib.parse.quote(self._client_id)}:{urllib.parse.quote(self._secret)}".encode()
        ).decode()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        try:
            # A code works once: never retried once it may have reached the provider.
            tokens = self._client(meta["token_endpoint"])
            answer = tokens.retrying(
                lambda _first: tokens.once_json(
                    "POST", "", form=form, headers={"Authorization": f"Basic {basic}"}
                ),
                idempotent=False,
            )
            jwks = self._client(meta["jwks_uri"]).call_json("GET", "")
        except HttpCallFailed as exc:
            raise OidcFailed(f"the identity provider did not answer: {exc}") from exc
        token = answer.get("id_token") if isinstance(answer, dict) else None
        if not isinstance(token, str):
            raise OidcFailed("the identity provider sent no id_token")
        claims = self._verified(token, jwks, nonce)
        user_id = claims.get(SLACK_USER_CLAIM) or claims.get("email") or claims.get("sub")
        if not isinstance(user_id, str) or not user_id:
            raise OidcFailed("the id_token names nobody (no sub, email or Slack user id)")
        name = claims.get("name")
        return OidcIdentity(user_id=user_id, name=name if isinstance(name, str) else user_id)

    def _verified(self, token: str, jwks: Any, nonce: str) -> dict[str, Any]:
        # PyJWT (and cryptography under it) load at the first sign-in, not at start-up:
        # every web process builds the console, most never see an OIDC sign-in.
        import jwt  # noqa: PLC0415

        try:
            keys = jwt.PyJWKSet.from_dict(jwks)
            kid = jwt.get_unverified_header(token).get("kid")
            candidates = [k for k in keys.keys if kid is None or k.key_id == kid]
            if not candidates:
                raise OidcFailed("the id_token is signed with a key the provider does not list")
            claims: dict[str, Any] = jwt.decode(
                token,
                candidates[0],
                algorithms=_ALGORITHMS,
                audience=self._client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=30,
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise OidcFailed(f"the id_token did not verify: {exc}") from exc
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OidcFailed("the id_token's nonce does not match this sign-in")
        return claims

    def _meta(self) -> dict[str, Any]:
        with self._lock:
            if self._discovery is None:
                url = f"{self.issuer}/.well-known/openid-configuration"
                try:
                    meta = self._client(url, locked=True).call_json("GET", "")
                except HttpCallFailed as exc:
                    raise OidcFailed(f"cannot read the provider's discovery: {exc}") from exc
                needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
                if not isinstance(meta, dict) or any(not meta.get(k) for k in needed):
                    raise OidcFailed("the provider's discovery document is incomplete")
                if str(meta["issuer"]).rstrip("/") != self.issuer:
                    raise OidcFailed("the provider's discovery names another issuer")
                self._discovery = meta
            return self._discovery

    def _client(self, url: str, *, locked: bool = False) -> OutboundHttp:
        if not locked:
            with self._lock:
                return self._client(url, locked=True)
        client = self._clients.get(url)
        if client is None:
            client = self._clients[url] = OutboundHttp(url, timeout=self._timeout)
        return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
