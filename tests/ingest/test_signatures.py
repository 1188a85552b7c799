from __future__ import annotations

import pytest

from bot.domain.models import AlertSource
from bot.ingest.signatures import (
    SignatureVerifier,
    VerdictCode,
    check_alertmanager,
    check_generic,
    check_grafana,
    check_grafana_oncall,
    check_pagerduty,
    hmac_hex,
    lower_headers,
    sign_alertmanager,
    sign_generic,
    sign_grafana,
    sign_grafana_oncall,
    sign_pagerduty,
)
from tests.ingest.conftest import fixture_bytes

SECRET = "s3cret-value-for-tests"
NOW = 1_767_354_000.0
BODY = fixture_bytes("generic_firing.json")


class StaticSecrets:
    def __init__(self, secret: str | None) -> None:
        self.secret = secret
        self.refreshes = 0

    def secret_for(self, source: AlertSource) -> str | None:
        return self.secret

    def refresh(self, source: AlertSource) -> bool:
        self.refreshes += 1
        return False


def h(headers: dict[str, str]) -> dict[str, str]:
    return lower_headers(headers)


def test_reasons_never_carry_the_secret_or_the_signature() -> None:
    signature = hmac_hex("wrong", BODY)
    headers = h({"X-Grafana-OnCall-Signature": signature})
    verdict = check_grafana_oncall(SECRET, headers, BODY, NOW)
    assert verdict.code is VerdictCode.MISMATCH
    assert SECRET not in verdict.reason
    assert signature not in verdict.reason
    bearer = check_alertmanager(SECRET, h({"Authorization": "Bearer guess"}), BODY, NOW)
    assert "guess" not in bearer.reason


# Grafana OnCall


def test_oncall_good_bad_missing() -> None:
    good = h(sign_grafana_oncall(SECRET, BODY))
    assert check_grafana_oncall(SECRET, good, BODY, NOW).ok
    upper = {k: v.upper() for k, v in good.items()}  # hex case does not matter
    assert check_grafana_oncall(SECRET, upper, BODY, NOW).ok
    assert check_grafana_oncall(SECRET, good, BODY + b" ", NOW).code is VerdictCode.MISMATCH
    assert check_grafana_oncall(SECRET, {}, BODY, NOW).code is VerdictCode.MISSING


def test_oncall_refuses_a_sha256_prefix() -> None:
    # Neither the TypeScript marshal nor its drill prefix the hex; a prefixed value is not ours.
    prefixed = h({"X-Grafana-OnCall-Signature": "sha256=" + hmac_hex(SECRET, BODY)})
    assert check_grafana_oncall(SECRET, prefixed, BODY, NOW).code is VerdictCode.MISMATCH


# Alertmanager


def test_alertmanager_bearer() -> None:
    assert check_alertmanager(SECRET, h(sign_alertmanager(SECRET)), BODY, NOW).ok
    lower_scheme = h({"Authorization": f"bearer {SECRET}"})
    assert check_alertmanager(SECRET, lower_scheme, BODY, NOW).ok
    wrong = h({"Authorization": "Bearer nope"})
    assert check_alertmanager(SECRET, wrong, BODY, NOW).code is VerdictCode.MISMATCH
    basic = h({"Authorization": f"Basic {SECRET}"})
    assert check_alertmanager(SECRET, basic, BODY, NOW).code is VerdictCode.MALFORMED
    assert check_alertmanager(SECRET, {}, BODY, NOW).code is VerdictCode.MISSING


# Grafana


def test_grafana_body_only_signature() -> None:
    assert check_grafana(SECRET, h(sign_grafana(SECRET, BODY)), BODY, NOW).ok
    other = h(sign_grafana("other", BODY))
    assert check_grafana(SECRET, other, BODY, NOW).code is VerdictCode.MISMATCH
    assert check_grafana(SECRET, {}, BODY, NOW).code is VerdictCode.MISSING


@pytest.mark.parametrize(
    "header", ["X-Grafana-Alerting-Signature-Timestamp", "X-Grafana-Alerting-Timestamp"]
)
def test_grafana_timestamped_signature(header: str) -> None:
    signed = h(sign_grafana(SECRET, BODY, int(NOW), timestamp_header=header))
    assert check_grafana(SECRET, signed, BODY, NOW).ok
    # the same signature without its timestamp is over a different message
    bare = {k: v for k, v in signed.items() if k == "x-grafana-alerting-signature"}
    assert check_grafana(SECRET, bare, BODY, NOW).code is VerdictCode.MISMATCH
    late = check_grafana(SECRET, signed, BODY, NOW + 301)
    assert late.code is VerdictCode.EXPIRED


def test_grafana_custom_timestamp_header_name() -> None:
    signed = h(sign_grafana(SECRET, BODY, int(NOW), timestamp_header="X-Our-Stamp"))
    assert check_grafana(SECRET, signed, BODY, NOW, timestamp_headers=("x-our-stamp",)).ok


def test_grafana_without_secret_accepts_unsigned_but_others_are_disabled() -> None:
    none = StaticSecrets(None)
    grafana = SignatureVerifier(
        AlertSource.GRAFANA, check_grafana, none, secret_required=False, clock=lambda: NOW
    )
    verdict = grafana.verify({}, BODY)
    assert verdict.ok
    assert verdict.code is VerdictCode.UNSIGNED_ALLOWED
    for source, scheme in [
        (AlertSource.GRAFANA_ONCALL, check_grafana_oncall),
        (AlertSource.ALERTMANAGER, check_alertmanager),
        (AlertSource.PAGERDUTY, check_pagerduty),
        (AlertSource.GENERIC, check_generic),
    ]:
        refused = SignatureVerifier(source, scheme, none).verify({}, BODY)
        assert not refused.ok
        assert refused.code is VerdictCode.DISABLED
        assert "MARSHAL_SECRET_" in refused.reason


def test_grafana_with_secret_refuses_unsigned() -> None:
    grafana = SignatureVerifier(
        AlertSource.GRAFANA, check_grafana, StaticSecrets(SECRET), secret_required=False
    )
    assert grafana.verify({}, BODY).code is VerdictCode.MISSING


# PagerDuty


def test_pagerduty_single_and_rotation() -> None:
    assert check_pagerduty(SECRET, h(sign_pagerduty(SECRET, BODY)), BODY, NOW).ok
    rotating = h(sign_pagerduty(["old-secret", SECRET], BODY))
    assert "," in rotating["x-pagerduty-signature"]
    assert check_pagerduty(SECRET, rotating, BODY, NOW).ok
    assert check_pagerduty("old-secret", rotating, BODY, NOW).ok
    neither = check_pagerduty("third", rotating, BODY, NOW)
    assert neither.code is VerdictCode.MISMATCH
    assert "2 v1 signature" in neither.reason


def test_pagerduty_prefix_and_missing() -> None:
    hexdigest = hmac_hex(SECRET, BODY)
    no_prefix = h({"X-PagerDuty-Signature": hexdigest})
    assert check_pagerduty(SECRET, no_prefix, BODY, NOW).code is VerdictCode.MALFORMED
    v0 = h({"X-PagerDuty-Signature": f"v0={hexdigest}"})
    assert check_pagerduty(SECRET, v0, BODY, NOW).code is VerdictCode.MALFORMED
    spaced = h({"X-PagerDuty-Signature": f"v0=abc, v1={hexdigest}"})
    assert check_pagerduty(SECRET, spaced, BODY, NOW).ok
    assert check_pagerduty(SECRET, {}, BODY, NOW).code is VerdictCode.MISSING


# Generic


def test_generic_good_and_tampered() -> None:
    signed = h(sign_generic(SECRET, BODY, int(NOW)))
    assert check_generic(SECRET, signed, BODY, NOW).ok
    assert check_generic(SECRET, signed, BODY[:-1], NOW).code is VerdictCode.MISMATCH
    moved = dict(signed, **{"x-marshal-timestamp": str(int(NOW) + 1)})
    assert check_generic(SECRET, moved, BODY, NOW).code is VerdictCode.MISMATCH


@pytest.mark.parametrize("offset", [-301, 301, -10_000, 86_400])
def test_generic_replay_outside_the_window(offset: int) -> None:
    signed = h(sign_generic(SECRET, BODY, int(NOW) + offset))
    verdict = check_generic(SECRET, signed, BODY, NOW)
    assert verdict.code is VerdictCode.EXPIRED
    assert "window is 300 s" in verdict.reason


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_generic_inside_the_window(offset: int) -> None:
    signed = h(sign_generic(SECRET, BODY, int(NOW) + offset))
    assert check_generic(SECRET, signed, BODY, NOW).ok


def test_generic_header_problems() -> None:
    signed = h(sign_generic(SECRET, BODY, int(NOW)))
    no_stamp = {k: v for k, v in signed.items() if k != "x-marshal-timestamp"}
    assert check_generic(SECRET, no_stamp, BODY, NOW).code is VerdictCode.MISSING
    no_sig = {k: v for k, v in signed.items() if k != "x-marshal-signature"}
    assert check_generic(SECRET, no_sig, BODY, NOW).code is VerdictCode.MISSING
    bare = dict(signed, **{"x-marshal-signature": signed["x-marshal-signature"][3:]})
    assert check_generic(SECRET, bare, BODY, NOW).code is VerdictCode.MALFORMED
    millis = dict(signed, **{"x-marshal-timestamp": "1767354000000.5"})
    assert check_generic(SECRET, millis, BODY, NOW).code is VerdictCode.MALFORMED


def test_verifier_uses_the_injected_clock_and_any_header_case() -> None:
    headers = sign_generic(SECRET, BODY, int(NOW))
    verifier = SignatureVerifier(
        AlertSource.GENERIC, check_generic, StaticSecrets(SECRET), clock=lambda: NOW
    )
    assert verifier.verify(headers, BODY).ok
    assert verifier.verify({k.upper(): v for k, v in headers.items()}, BODY).ok
    stale = SignatureVerifier(
        AlertSource.GENERIC, check_generic, StaticSecrets(SECRET), clock=lambda: NOW + 600
    )
    assert stale.verify(headers, BODY).code is VerdictCode.EXPIRED


def test_verifier_asks_for_a_refresh_only_on_a_mismatch() -> None:
    secrets = StaticSecrets(SECRET)
    verifier = SignatureVerifier(AlertSource.GRAFANA_ONCALL, check_grafana_oncall, secrets)
    assert verifier.verify({}, BODY).code is VerdictCode.MISSING
    assert secrets.refreshes == 0
    assert verifier.verify(sign_grafana_oncall("other", BODY), BODY).code is VerdictCode.MISMATCH
    assert secrets.refreshes == 1
