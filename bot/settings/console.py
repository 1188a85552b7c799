"""Console settings: OpenID Connect sign-in for the web console, its cookies and address."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr


class ConsoleSettings(BaseModel):
    """The web console under /console (DESIGN.md section 3b)."""

    marshal_oidc_issuer: str | None = None
    marshal_oidc_client_id: str | None = None
    marshal_oidc_client_secret: SecretStr | None = None
    # Behind HTTPS: mark the session cookie Secure, so it is never sent over plain HTTP.
    marshal_console_secure_cookies: bool = False
    # The console's address as people reach it (login links, the OIDC callback is derived
    # from each request); default http://MARSHAL_HTTP_HOST:MARSHAL_HTTP_PORT/console.
    marshal_console_url: str | None = None
