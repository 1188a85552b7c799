"""A small OpenID Connect provider on a real socket, for the console's sign-in tests.

It serves discovery, an authorization endpoint that approves at once as `user` (redirecting
back with a code), a token endpoint that checks the client's credentials, the redirect URI
and the PKCE verifier, and a JWKS. The id_token is an RS256 JWT signed with a key made per
run; `sign_with_other_key`, `audience` and `nonce_override` make bad tokens on purpose.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.local_server import serve_locally, stop_serving

CLIENT_ID = "marshal-console"
CLIENT_SECRET = "console-client-secret"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Grant:
    redirect_uri: str
    nonce: str
    challenge: str


@dataclass
class FakeOidc:
    claims: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "u-1",
            "name": "Alice Example",
            "email": "alice@example.com",
        }
    )
    sign_with_other_key: bool = False
    audience: str = CLIENT_ID
    nonce_override: str | None = None
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """The redirect back to the client, with a fresh code."""
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.grants[code] = Grant(
                query["redirect_uri"], query["nonce"], query["code_challenge"]
            )
        back = {"code": code, "state": query["state"]}
        return f"{query['redirect_uri']}?{urllib.parse.urlencode(back)}"

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.token_requests += 1
            grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        if grant is None or form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if digest.decode().rstrip("=") != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier"}
        now = int(time.time())
        claims = {
            **self.claims,
            "iss": self.url,
            "aud": self.audience,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce_override or grant.nonce,
        }
        key = _new_key() if self.sign_with_other_key else self.key
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        return 200, {"id_token": token, "access_token": "at", "token_type": "Bearer"}

    def start(self) -> FakeOidc:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                if parts.path == "/.well-known/openid-configuration":
                    self._json(200, fake.discovery())
                elif parts.path == "/jwks":
                    self._json(200, fake.jwks())
                elif parts.path == "/authorize":
                    query = dict(urllib.parse.parse_qsl(parts.query))
                    self.send_response(302)
                    self.send_header("Location", fake.authorize(query))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if self.path != "/token":
                    self._json(404, {"error": "not found"})
                    return
                status, body = fake.token(form, self.headers.get("Authorization", ""))
                self._json(status, body)

        self._server = serve_locally(Handler)
        return self

    def stop(self) -> None:
        stop_serving(self._server)
