"""PiiScrubber: replaces personal data, secrets and account ids in free text with typed
placeholders (`[email]`, `[ip]`, `[card]`, ...) before the text leaves marshal for an LLM.

Precision rules, each pinned by a near-miss in the tests:
- card numbers must pass the Luhn check AND start with a card network prefix at a network
  length, so 13-digit epoch-millisecond timestamps and order numbers survive;
- phone numbers need a `+country` prefix, an `(area)` code or the 3-3-4 grouping, so dates
  (2024-01-15), times and short numbers survive;
- a dotted quad is an IPv4 address unless it reads as a version: prefixed with `v` or
  followed by a pre-release suffix (`1.2.3.4-alpha`); IPv6 needs `::` or all eight groups
  and must parse, so clock times (12:30:45) survive;
- 12-digit AWS account ids are scrubbed only inside ARNs or after the word "account".
Incident ids (`inc-...`) and other marshal ids contain none of these shapes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

Replacement = Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    replace: Replacement


def _fixed(placeholder: str) -> Replacement:
    return lambda _match: placeholder


def _keep_prefix(placeholder: str) -> Replacement:
    """Keep group 1 (the label, e.g. `Bearer ` or `password=`) and hide the value."""
    return lambda match: f"{match.group(1)}{placeholder}"


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


_CARD_NETWORKS: tuple[tuple[re.Pattern[str], frozenset[int]], ...] = (
    (re.compile(r"^4"), frozenset({13, 16, 19})),  # Visa
    (re.compile(r"^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))"), frozenset({16})),  # Mastercard
    (re.compile(r"^3[47]"), frozenset({15})),  # American Express
    (re.compile(r"^(6011|65|64[4-9])"), frozenset({16, 17, 18, 19})),  # Discover
    (re.compile(r"^35(2[89]|[3-8]\d)"), frozenset({16, 17, 18, 19})),  # JCB
    (re.compile(r"^3(0[0-5]|[689])"), frozenset({14, 16})),  # Diners Club
)


def is_card_number(candidate: str) -> bool:
    digits = re.sub(r"[ -]", "", candidate)
    if not digits.isdigit():
        return False
    network = any(
        prefix.match(digits) and len(digits) in lengths for prefix, lengths in _CARD_NETWORKS
    )
    return network and luhn_valid(digits)


def _card(match: re.Match[str]) -> str:
    return "[card]" if is_card_number(match.group(0)) else match.group(0)


def _ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    if "::" not in text and text.count(":") != 7:
        return text
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return text
    return "[ip]"


_RULES: tuple[_Rule, ...] = (
    # Secrets first: their shapes may contain digits the later rules would half-match.
    _Rule("anthropic_key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{8,}"), _fixed("[api-key]")),
    _Rule("aws_access_key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), _fixed("[aws-key]")),
    _Rule(
        "slack_token",
        re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]{8,}"),
        _fixed("[slack-token]"),
    ),
    _Rule(
        "github_token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"),
        _fixed("[github-token]"),
    ),
    _Rule(
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        _fixed("[jwt]"),
    ),
    _Rule(
        "bearer",
        re.compile(r"(\b[Bb]earer\s+)[A-Za-z0-9._~+/-]{8,}=*"),
        _keep_prefix("[token]"),
    ),
    _Rule(
        "labelled_secret",
        re.compile(
            r"(?i)(\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|token|"
            r"client[_-]?secret)\b\s*[:=]\s*[\"']?)[^\s\"',;]{4,}"
        ),
        _keep_prefix("[secret]"),
    ),
    _Rule(
        "email",
        re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
        _fixed("[email]"),
    ),
    _Rule(
        "aws_account_in_arn",
        re.compile(r"(\barn:aws[\w-]*:[\w-]+:[\w-]*:)\d{12}(?=:)"),
        _keep_prefix("[aws-account]"),
    ),
    _Rule(
        "aws_account_labelled",
        re.compile(r"(?i)(\baccount(?:[ _-]?id)?\s*[:=#]?\s*)\d{12}\b"),
        _keep_prefix("[aws-account]"),
    ),
    _Rule("card", re.compile(r"(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w.-]*\d)"), _card),
    _Rule(
        "ipv6",
        re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])"),
        _ipv6,
    ),
    _Rule(
        "ipv4",
        re.compile(
            r"(?<![\w.])(?<!v)(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
            r"(?![\w.]|-[A-Za-z])"
        ),
        _fixed("[ip]"),
    ),
    _Rule(
        "phone",
        re.compile(
            r"(?<![\w+])(?:"
            r"\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}"
            r"|\(\d{3}\)[\s.-]?\d{3}[\s.-]\d{4}"
            r"|\d{3}[\s.-]\d{3}[\s.-]\d{4}"
            r")(?![\w.-]*\d)"
        ),
        _fixed("[phone]"),
    ),
)


@dataclass(frozen=True)
class Scrubbed:
    text: str
    counts: dict[str, int]  # rule name -> replacements, for the audit (never the values)


def scrub_text(text: str) -> Scrubbed:
    counts: dict[str, int] = {}
    for rule in _RULES:
        hits = 0

        def replace(match: re.Match[str], rule: _Rule = rule) -> str:
            nonlocal hits
            replaced = rule.replace(match)
            if replaced != match.group(0):
                hits += 1
            return replaced

        text = rule.pattern.sub(replace, text)
        if hits:
            counts[rule.name] = hits
    return Scrubbed(text, counts)


def scrub(text: str) -> str:
    """`text` with every recognised personal datum, secret and account id replaced."""
    return scrub_text(text).text
