"""HTTP settings: the webhook, health and metrics server."""

from __future__ import annotations

from pydantic import BaseModel, Field


class HttpSettings(BaseModel):
    """HTTP: the webhook, health and metrics server."""

    marshal_http_host: str = "127.0.0.1"
    marshal_http_port: int = Field(default=8080, ge=0, le=65535)
    marshal_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Webhook requests handled at once (worker threads); the AWS clients' pools match it.
    marshal_http_threads: int = Field(default=40, ge=1, le=1000)
    # Open connections (idle ones too) before new requests are answered 503.
    marshal_http_max_connections: int = Field(default=512, ge=1, le=100_000)
    # Idle keep-alive connections are closed after this long.
    marshal_http_keep_alive_seconds: int = Field(default=5, ge=1, le=3600)
    # A request's headers (from connect or the previous answer) and, separately, its body must
    # arrive within this long: a slow header closes the connection, a slow body answers 408.
    marshal_http_read_timeout_seconds: float = Field(default=10.0, gt=0, le=3600)
