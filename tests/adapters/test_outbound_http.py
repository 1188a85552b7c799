"""OutboundHttp against a scripted HTTP server on a real socket: the one Retry-After rule
(seconds and HTTP date, waited once, too long fails at once), bounded retries ending in
the caller's domain error, timeouts, connection refused, and no second try of a POST that
may already have acted unless the caller says it is idempotent."""

from __future__ import annotations

import email.utils
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.adapters.http.retry_policy import RetryPolicy, retry_after_seconds
from bot.ports.tracker import TrackerError
from tests.fakes.http_fake import Answer, FakeHttp, Fault

NOW = 1_800_000_000.0  # the wall clock the policy reads, fixed so HTTP dates are exact


@dataclass
class EchoVendor(FakeHttp):
    """Answers every call with what it was asked."""

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if path.startswith("/empty"):
            return 204, {}, b""
        if path.startswith("/html"):
            return 200, {}, b"<html>not json</html>"
        if path.startswith("/missing"):
            return 404, {}, {"message": "no such thing"}
        return 200, {}, {"method": method, "path": path, "body": body}


@pytest.fixture
def vendor() -> Iterator[EchoVendor]:
    fake = EchoVendor()
    fake.start()
    yield fake
    fake.stop()


def _vendor_error(failure: HttpCallFailed) -> TrackerError:
    return TrackerError("vendor", str(failure), retryable=failure.transient)


def _http(url: str, waits: list[float], *, timeout: float = 2.0, **policy: Any) -> OutboundHttp:
    return OutboundHttp(
        url,
        headers={"Authorization": "Bearer t0ken"},
        timeout=timeout,
        policy=RetryPolicy(sleep=waits.append, wall_clock=lambda: NOW, **policy),
        translate=_vendor_error,
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_answers_json_with_the_headers_and_the_query(vendor: EchoVendor) -> None:
    answer = _http(vendor.url, []).call_json("GET", "/things", query={"since": "10:00 Z"})
    assert answer["path"] == "/things?since=10%3A00+Z"
    seen = vendor.seen[0]
    assert seen.headers["authorization"] == "Bearer t0ken"
    assert seen.headers["accept"] == "application/json"
    posted = _http(vendor.url, []).call_json("POST", "/things", body={"a": [1]})
    assert posted["body"] == {"a": [1]}
    assert vendor.seen[-1].headers["content-type"] == "application/json"


def test_empty_answer_is_none_and_html_is_an_error(vendor: EchoVendor) -> None:
    http = _http(vendor.url, [])
    assert http.call_json("GET", "/empty") is None
    with pytest.raises(TrackerError, match="not JSON") as caught:
        http.call_json("GET", "/html")
    assert not caught.value.retryable


def test_429_with_retry_after_seconds_is_waited_once(vendor: EchoVendor) -> None:
    waits: list[float] = []
    vendor.fail_next(Fault(status=429, retry_after="4"))
    assert _http(vendor.url, waits).call_json("GET", "/x")["path"] == "/x"
    assert waits == [4.0]
    assert len(vendor.seen) == 2


def test_429_with_retry_after_as_an_http_date_is_waited_once(vendor: EchoVendor) -> None:
    waits: list[float] = []
    vendor.fail_next(Fault(status=429, retry_after=email.utils.formatdate(NOW + 6, usegmt=True)))
    assert _http(vendor.url, waits).call_json("GET", "/x")["path"] == "/x"
    assert waits == [6.0]
    assert len(vendor.seen) == 2


def test_a_retry_after_beyond_the_cap_fails_at_once(vendor: EchoVendor) -> None:
    waits: list[float] = []
    vendor.fail_next(Fault(status=429, retry_after="3600"))
    with pytest.raises(TrackerError, match=r"rate limited for 3600s more.*10s marshal waits"):
        _http(vendor.url, waits, max_retry_after=10.0).call_json("GET", "/x")
    assert waits == [] and len(vendor.seen) == 1


def test_5xx_is_retried_then_given_up_with_the_domain_error(vendor: EchoVendor) -> None:
    waits: list[float] = []
    vendor.fail_next(*[Fault(status=503, body={"error": "down for maintenance"})] * 3)
    with pytest.raises(TrackerError) as caught:
        _http(vendor.url, waits, backoff_seconds=0.5).call_json("GET", "/x")
    assert caught.value.retryable
    assert "HTTP 503: down for maintenance (after 3 attempts)" in str(caught.value)
    assert isinstance(caught.value.__cause__, HttpCallFailed)
    assert waits == [0.5, 1.0] and len(vendor.seen) == 3


def test_a_4xx_is_not_retried(vendor: EchoVendor) -> None:
    waits: list[float] = []
    with pytest.raises(TrackerError, match="HTTP 404: no such thing") as caught:
        _http(vendor.url, waits).call_json("GET", "/missing")
    assert not caught.value.retryable
    assert waits == [] and len(vendor.seen) == 1


def test_a_slow_answer_times_out_per_call_and_reads_are_retried(vendor: EchoVendor) -> None:
    waits: list[float] = []
    vendor.fail_next(*[Fault(delay=0.6)] * 2)
    http = _http(vendor.url, waits, timeout=5.0, max_attempts=2)
    started = time.monotonic()
    with pytest.raises(TrackerError, match="timed out") as caught:
        http.call_json("GET", "/slow", timeout=0.15)  # the call's timeout beats the client's
    assert time.monotonic() - started < 1.0
    assert caught.value.retryable and len(vendor.seen) == 2


def test_connection_refused_is_retried_even_for_a_post() -> None:
    """Nothing reached the server, so even a POST that is not idempotent is safe to send."""
    waits: list[float] = []
    http = _http(f"http://127.0.0.1:{_closed_port()}", waits)
    with pytest.raises(TrackerError, match="cannot connect") as caught:
        http.call_json("POST", "/create", body={"n": 1})
    failure = caught.value.__cause__
    assert isinstance(failure, HttpCallFailed)
    assert not failure.delivered and failure.attempts == 3 and len(waits) == 2


@pytest.mark.parametrize("fault", [Fault(status=503), Fault(delay=0.6)], ids=["5xx", "timeout"])
def test_a_post_that_may_have_acted_is_not_retried(vendor: EchoVendor, fault: Fault) -> None:
    waits: list[float] = []
    vendor.fail_next(fault, fault)
    with pytest.raises(TrackerError) as caught:
        _http(vendor.url, waits, timeout=0.2).call_json("POST", "/create", body={"n": 1})
    assert caught.value.retryable  # a later, deliberate try may work; this call did not repeat
    assert waits == [] and len(vendor.seen) == 1


def test_a_post_is_retried_when_the_caller_says_it_is_idempotent(vendor: EchoVendor) -> None:
    waits: list[float] = []
    vendor.fail_next(Fault(status=502))
    answer = _http(vendor.url, waits).call_json("POST", "/query", body={}, idempotent=True)
    assert answer["path"] == "/query" and len(vendor.seen) == 2


def test_a_post_with_an_idempotency_key_is_retried_with_the_same_key(vendor: EchoVendor) -> None:
    waits: list[float] = []
    vendor.fail_next(Fault(status=500))
    _http(vendor.url, waits).call_json("POST", "/run", body={}, idempotency_key="run-42")
    assert [s.headers["idempotency-key"] for s in vendor.seen] == ["run-42", "run-42"]


def test_pace_is_called_before_every_attempt(vendor: EchoVendor) -> None:
    paced: list[float] = []
    http = OutboundHttp(
        vendor.url,
        policy=RetryPolicy(sleep=lambda _s: None),
        pace=lambda: paced.append(time.monotonic()),
    )
    vendor.fail_next(Fault(status=500))
    http.call_json("GET", "/x")
    assert len(paced) == len(vendor.seen) == 2


def test_untranslated_failures_are_http_call_failed(vendor: EchoVendor) -> None:
    http = OutboundHttp(vendor.url, policy=RetryPolicy(sleep=lambda _s: None))
    with pytest.raises(HttpCallFailed) as caught:
        http.call_json("GET", "/missing")
    assert caught.value.status == 404 and caught.value.path == "/missing"


def test_the_retry_after_rule() -> None:
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert retry_after_seconds({"retry-after": "2.5"}, NOW) == 2.5
    assert retry_after_seconds({"retry-after": date}, NOW) == 30.0
    assert retry_after_seconds({"retry-after": "-3"}, NOW) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}, NOW) is None
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 9)}
    assert retry_after_seconds(limited, NOW) == 9.0
    assert retry_after_seconds({"x-ratelimit-reset": str(int(NOW) + 9)}, NOW) is None
