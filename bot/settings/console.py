"""Console settings: OpenID Connect sign-in for the web console."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr


class ConsoleSettings(BaseModel):
    """The web console under /console (DESIGN.md section 3b)."""

    marshal_oidc_issuer: str | None = None
    marshal_oidc_client_id: str | None = None
    marshal_oidc_client_secret: SecretStr | None = None
