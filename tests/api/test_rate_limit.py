"""Per-token rate limit: 429 with Retry-After past MARSHAL_API_RATE_LIMIT, other tokens
unaffected; and the bucket itself, on a hand-moved clock."""

from __future__ import annotations

from pathlib import Path

from bot.web.api.access import RateLimiter
from bot.wiring.backends import open_backends
from bot.wiring.ingress import start_web
from bot.wiring.process import ProcessGroup
from tests.api.conftest import Api, api_settings, tokens


def test_a_token_past_its_limit_gets_429_with_retry_after(tmp_path: Path) -> None:
    settings = api_settings(tmp_path, marshal_api_rate_limit=3)
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    try:
        server = start_web(group, settings, backends)
        api = Api(server.url, settings, backends, *tokens(settings, backends))
        assert [api.get("/api/v1/incidents").status for _ in range(3)] == [200, 200, 200]
        limited = api.get("/api/v1/incidents")
        assert limited.status == 429 and "rate limit" in limited.body["error"]
        assert int(limited.headers["retry-after"]) >= 1
        assert api.get("/api/v1/incidents", token=api.write_token).status == 200
    finally:
        group.stop()


def test_the_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(60, burst=2, clock=lambda: now[0])
    assert limiter.take("t") == 0 and limiter.take("t") == 0
    assert limiter.take("t") == 1.0  # one request a second
    now[0] += 1.0
    assert limiter.take("t") == 0
    assert limiter.take("other") == 0
