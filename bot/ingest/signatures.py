"""Webhook signature checks per alert source (DESIGN.md section 3), and signers for drills.

Every comparison is constant-time (hmac.compare_digest). A check returns a `Verdict` whose
`reason` is safe to log: it names what was wrong, never the secret or the signature.

Schemes are pure functions `(secret, headers, body, now) -> Verdict` over lower-cased headers.
`SignatureVerifier` adds the secret lookup: with no secret configured a source that requires
one is disabled (every request refused, 401), never accepted unsigned by accident. Grafana is
the one exception DESIGN.md allows: its signature is optional, so with no secret configured
its requests are accepted unsigned. On a mismatch the verifier asks its SecretSource for one
rate-limited refresh, so a rotated secret is picked up without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.domain.models import AlertSource

GENERIC_WINDOW_SECONDS = 300
GRAFANA_WINDOW_SECONDS = 300
MAX_SIGNATURES = 16  # a header listing more is not a rotation, it is a guessing attempt

ONCALL_SIGNATURE = "x-grafana-oncall-signature"
GRAFANA_SIGNATURE = "x-grafana-alerting-signature"
# Grafana's timestamp header has no default name: the contact point's HMAC settings choose one.
# These are the two names Grafana's own documentation and provisioning examples use.
GRAFANA_TIMESTAMP_HEADERS = (
    "x-grafana-alerting-signature-timestamp",
    "x-grafana-alerting-timestamp",
)
PAGERDUTY_SIGNATURE = "x-pagerduty-signature"
MARSHAL_TIMESTAMP = "x-marshal-timestamp"
MARSHAL_SIGNATURE = "x-marshal-signature"
AUTHORIZATION = "authorization"


class VerdictCode(StrEnum):
    VALID = "valid"
    UNSIGNED_ALLOWED = "unsigned_allowed"  # only Grafana with no secret configured
    DISABLED = "disabled"  # the source needs a secret and none is configured
    MISSING = "missing"
    MALFORMED = "malformed"
    MISMATCH = "mismatch"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Verdict:
    code: VerdictCode
    reason: str

    @property
    def ok(self) -> bool:
        return self.code in {VerdictCode.VALID, VerdictCode.UNSIGNED_ALLOWED}


Headers = Mapping[str, str]
Clock = Callable[[], float]
SignatureScheme = Callable[[str, Headers, bytes, float], Verdict]
"""(secret, lower-cased headers, raw body, now in unix seconds) -> Verdict."""


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _same(expected: str, given: str) -> bool:
    # compare_digest on str refuses non-ASCII; bytes make any header value comparable.
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "replace"))


def _timestamp(text: str, now: float, window: int, header: str) -> Verdict | None:
    """None when `text` is a unix-seconds time within `window` of now, else the refusal."""
    cleaned = text.strip()
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 12:
        return Verdict(VerdictCode.MALFORMED, f"{header} is not a unix time in seconds")
    skew = int(now) - int(cleaned)
    if abs(skew) > window:
        direction = "old" if skew > 0 else "in the future"
        return Verdict(
            VerdictCode.EXPIRED,
            f"{header} is {abs(skew)} s {direction}; the window is {window} s",
        )
    return None


def check_grafana_oncall(secret: str, headers: Headers, body: bytes, now: float) -> Verdict:
    """Hex HMAC-SHA256 of the raw body, bare (no `sha256=` prefix), as the TypeScript marshal
    and its drill send it."""
    given = headers.get(ONCALL_SIGNATURE, "").strip()
    if not given:
        return Verdict(VerdictCode.MISSING, "X-Grafana-OnCall-Signature header is missing")
    if _same(hmac_hex(secret, body), given.lower()):
        return Verdict(VerdictCode.VALID, "X-Grafana-OnCall-Signature matches")
    return Verdict(VerdictCode.MISMATCH, "X-Grafana-OnCall-Signature does not match the body")


def check_alertmanager(secret: str, headers: Headers, body: bytes, now: float) -> Verdict:
    """`Authorization: Bearer <secret>` (Alertmanager's http_config.authorization)."""
    given = headers.get(AUTHORIZATION, "").strip()
    if not given:
        return Verdict(VerdictCode.MISSING, "Authorization header is missing")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Verdict(VerdictCode.MALFORMED, "Authorization is not a Bearer token")
    if _same(secret, token.strip()):
        return Verdict(VerdictCode.VALID, "bearer token matches")
    return Verdict(VerdictCode.MISMATCH, "bearer token does not match")


def check_grafana(
    secret: str,
    headers: Headers,
    body: bytes,
    now: float,
    timestamp_headers: Sequence[str] = GRAFANA_TIMESTAMP_HEADERS,
) -> Verdict:
    """Hex HMAC-SHA256 in X-Grafana-Alerting-Signature, over `timestamp:body` when the contact
    point sends a timestamp header (then also within a 5-minute window), else over the body."""
    given = headers.get(GRAFANA_SIGNATURE, "").strip()
    if not given:
        return Verdict(VerdictCode.MISSING, "X-Grafana-Alerting-Signature header is missing")
    message = body
    for name in timestamp_headers:
        if name.lower() in headers:
            stamp = headers[name.lower()].strip()
            refused = _timestamp(stamp, now, GRAFANA_WINDOW_SECONDS, name)
            if refused:
                return refused
            message = stamp.encode("ascii") + b":" + body
            break
    if _same(hmac_hex(secret, message), given.lower()):
        return Verdict(VerdictCode.VALID, "X-Grafana-Alerting-Signature matches")
    return Verdict(VerdictCode.MISMATCH, "X-Grafana-Alerting-Signature does not match the body")


def check_pagerduty(secret: str, headers: Headers, body: bytes, now: float) -> Verdict:
    """`X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`; any v1 match passes (rotation)."""
    given = headers.get(PAGERDUTY_SIGNATURE, "").strip()
    if not given:
        return Verdict(VerdictCode.MISSING, "X-PagerDuty-Signature header is missing")
    parts = [p.strip() for p in given.split(",")]
    candidates = [p[3:].strip().lower() for p in parts if p.startswith("v1=")]
    if not candidates:
        return Verdict(VerdictCode.MALFORMED, "X-PagerDuty-Signature has no v1= signature")
    if len(candidates) > MAX_SIGNATURES:
        return Verdict(VerdictCode.MALFORMED, "X-PagerDuty-Signature lists too many signatures")
    expected = hmac_hex(secret, body)
    # Compare every candidate (no early exit) so timing says nothing about which one matched.
    matches = [_same(expected, candidate) for candidate in candidates]
    if any(matches):
        return Verdict(VerdictCode.VALID, "X-PagerDuty-Signature v1 matches")
    return Verdict(
        VerdictCode.MISMATCH, f"none of the {len(candidates)} v1 signature(s) match the body"
    )


def check_generic(secret: str, headers: Headers, body: bytes, now: float) -> Verdict:
    """`X-Marshal-Timestamp` + `X-Marshal-Signature: v1=<hex HMAC-SHA256 of "timestamp.body">`,
    timestamp within 5 minutes either way."""
    stamp = headers.get(MARSHAL_TIMESTAMP, "").strip()
    given = headers.get(MARSHAL_SIGNATURE, "").strip()
    if not stamp:
        return Verdict(VerdictCode.MISSING, "X-Marshal-Timestamp header is missing")
    if not given:
        return Verdict(VerdictCode.MISSING, "X-Marshal-Signature header is missing")
    if not given.startswith("v1="):
        return Verdict(VerdictCode.MALFORMED, "X-Marshal-Signature must look like v1=<hex>")
    refused = _timestamp(stamp, now, GENERIC_WINDOW_SECONDS, "X-Marshal-Timestamp")
    if refused:
        return refused
    expected = hmac_hex(secret, stamp.encode("ascii") + b"." + body)
    if _same(expected, given[3:].strip().lower()):
        return Verdict(VerdictCode.VALID, "X-Marshal-Signature matches")
    return Verdict(VerdictCode.MISMATCH, "X-Marshal-Signature does not match timestamp and body")


# Signers: what a sender puts in its headers. Used by `marshal drill` and the tests.


def sign_grafana_oncall(secret: str, body: bytes) -> dict[str, str]:
    return {"X-Grafana-OnCall-Signature": hmac_hex(secret, body)}


def sign_alertmanager(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def sign_grafana(
    secret: str,
    body: bytes,
    timestamp: int | None = None,
    timestamp_header: str = "X-Grafana-Alerting-Signature-Timestamp",
) -> dict[str, str]:
    if timestamp is None:
        return {"X-Grafana-Alerting-Signature": hmac_hex(secret, body)}
    stamp = str(int(timestamp))
    return {
        "X-Grafana-Alerting-Signature": hmac_hex(secret, stamp.encode() + b":" + body),
        timestamp_header: stamp,
    }


def sign_pagerduty(secrets: str | Sequence[str], body: bytes) -> dict[str, str]:
    """One `v1=` per secret, comma-separated, as PagerDuty sends during a rotation."""
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    return {"X-PagerDuty-Signature": ",".join(f"v1={hmac_hex(k, body)}" for k in keys)}


def sign_generic(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    stamp = str(int(timestamp))
    return {
        "X-Marshal-Timestamp": stamp,
        "X-Marshal-Signature": f"v1={hmac_hex(secret, stamp.encode() + b'.' + body)}",
    }


class Signer(Protocol):
    def __call__(self, secret: str, body: bytes, now: int, /) -> dict[str, str]: ...


def signer_for(source: AlertSource) -> Signer:
    """A uniform `(secret, body, now) -> headers` signer for `marshal drill --source S`."""
    signers: dict[AlertSource, Signer] = {
        AlertSource.GRAFANA_ONCALL: lambda secret, body, now: sign_grafana_oncall(secret, body),
        AlertSource.ALERTMANAGER: lambda secret, body, now: sign_alertmanager(secret),
        AlertSource.GRAFANA: sign_grafana,
        AlertSource.PAGERDUTY: lambda secret, body, now: sign_pagerduty(secret, body),
        AlertSource.GENERIC: sign_generic,
    }
    return signers[source]


class SecretLookup(Protocol):
    """What the verifier needs of a SecretSource (bot/ingest/secrets.py)."""

    def secret_for(self, source: AlertSource) -> str | None: ...

    def refresh(self, source: AlertSource) -> bool: ...


def secret_variable(source: AlertSource) -> str:
    return "MARSHAL_SECRET_" + source.value.upper().replace("-", "_")


class SignatureVerifier:
    """Checks one source's requests with its scheme and its current secret."""

    def __init__(
        self,
        source: AlertSource,
        scheme: SignatureScheme,
        secrets: SecretLookup,
        *,
        secret_required: bool = True,
        clock: Clock = time.time,
    ) -> None:
        self.source = source
        self._scheme = scheme
        self._secrets = secrets
        self._secret_required = secret_required
        self._clock = clock

    def verify(self, headers: Mapping[str, str], body: bytes) -> Verdict:
        lowered = lower_headers(headers)
        secret = self._secrets.secret_for(self.source)
        if not secret:
            if self._secret_required:
                return Verdict(
                    VerdictCode.DISABLED,
                    f"the {self.source.value} webhook is disabled: no secret is configured "
                    f"(set {secret_variable(self.source)} or its Secrets Manager secret)",
                )
            return Verdict(
                VerdictCode.UNSIGNED_ALLOWED,
                f"no secret configured for {self.source.value}; accepted without a signature",
            )
        now = self._clock()
        verdict = self._scheme(secret, lowered, body, now)
        if verdict.code is VerdictCode.MISMATCH and self._secrets.refresh(self.source):
            fresh = self._secrets.secret_for(self.source)
            if fresh and fresh != secret:
                verdict = self._scheme(fresh, lowered, body, now)
        return verdict
