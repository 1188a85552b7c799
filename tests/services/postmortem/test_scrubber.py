"""The scrubber on a corpus of real-looking secrets and personal data, and of near-misses
that must come through untouched (timestamps, versions, incident ids, short numbers)."""

from __future__ import annotations

import pytest

from bot.services.postmortem.scrubber import is_card_number, luhn_valid, scrub, scrub_text

POSITIVES = [
    ("mail alice.smith+ops@example.co.uk now", "mail [email] now"),
    ("<mailto:bob@corp.example|bob@corp.example>", "<mailto:[email]|[email]>"),
    ("call +44 20 7946 0958 or", "call [phone] or"),
    ("call +1-415-555-0132.", "call [phone]."),
    ("pager (415) 555-0132", "pager [phone]"),
    ("pager 415-555-0132", "pager [phone]"),
    ("client 203.0.113.42 failed", "client [ip] failed"),
    ("from 10.0.0.1, then", "from [ip], then"),
    ("v6 2001:db8:85a3::8a2e:370:7334 down", "v6 [ip] down"),
    ("full 2001:0db8:0000:0000:0000:ff00:0042:8329", "full [ip]"),
    ("loopback ::1 only", "loopback [ip] only"),
    ("card 4111 1111 1111 1111 declined", "card [card] declined"),
    ("card 4111-1111-1111-1111", "card [card]"),
    ("amex 378282246310005", "amex [card]"),
    ("mc 5555555555554444", "mc [card]"),
    ("key AKIAIOSFODNN7EXAMPLE leaked", "key [aws-key] leaked"),
    ("xoxb-1234567890-abcdefghij", "[slack-token]"),
    ("xapp-1-A0123-456-abcdef", "[slack-token]"),
    ("ghp_" + "a" * 36, "[github-token]"),
    ("github_pat_" + "A1b2" * 10, "[github-token]"),
    (
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n",
        "jwt [jwt]",
    ),
    ("Authorization: Bearer abc.DEF-123_456~xyz", "Authorization: Bearer [token]"),
    ("sk-ant-api03-abcdefghijklmnop", "[api-key]"),
    ("password=hunter2hunter2 next", "password=[secret] next"),
    ("arn:aws:iam::123456789012:role/deploy", "arn:aws:iam::[aws-account]:role/deploy"),
    ("AWS account 123456789012 throttled", "AWS account [aws-account] throttled"),
    ("account_id=210987654321", "account_id=[aws-account]"),
]

NEAR_MISSES = [
    "2024-01-15T12:30:45.123Z deploy finished",
    "at 12:30:45 UTC the error rate fell",
    "incident inc-01hq3k9z2xabc7 resolved",
    "draft-01hq3k9z2xabc7 published",
    "release v1.2.3.4 rolled out",
    "release 1.2.3.4-alpha rolled out",
    "version 2.14.1 pinned",
    "epoch ms 1700000000000 logged",
    "order 4111111111111112 is not a card (Luhn fails)",
    "p99 latency 1234 ms, 502 errors, 3 pods",
    "retry after 30 seconds; queue depth 120000",
    "build 20240115.3 shipped",
    "ticket PROJ-1234 and PR #5678",
    "sha 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "the 15-minute window ran 10:00-10:15",
    "call count 123456789012 in a counter",
    "date 2024-01-15 and 15/01/2024",
    "std::vector and Foo::Bar in a stack trace",
    "ratio 1:2:3 of traffic",
    "skip tokens like keyboard and tokenize",
]


@pytest.mark.parametrize(("raw", "expected"), POSITIVES)
def test_scrubs_personal_data_and_secrets(raw: str, expected: str) -> None:
    assert scrub(raw) == expected


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_survive(text: str) -> None:
    assert scrub(text) == text


def test_counts_name_the_rules_not_the_values() -> None:
    result = scrub_text("a@b.example and c@d.example from 10.1.2.3")
    assert result.counts == {"email": 2, "ipv4": 1}
    assert "a@b" not in str(result.counts)


def test_luhn_and_networks() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert is_card_number("4012 8888 8888 1881")
    assert not is_card_number("1234567812345670")  # Luhn-valid, but no card network
    assert not is_card_number("4111 1111 1111 111x")
