"""PiiScrubber: replaces personal data, secrets and account ids in free text with typed
placeholders (`[email]`, `[secret]`, `[card]`, ...) before the text leaves marshal for an LLM.

Recall and precision are pinned by a corpus (tests/services/postmortem/scrubber_corpus.yaml):
every positive's secret part is gone, every near-miss comes through byte for byte. Rules run
in order, secrets first (their shapes hold digits the later rules would half-match), and a
rule never rewrites a placeholder an earlier one left. Precision rules:
- a labelled secret needs an identifier that ENDS in a secret word (`DB_PASSWORD`,
  `access_token`, `x-api-key`) followed by `:` or `=`, so `token bucket`, `max_tokens=1024`
  and `password_min_length=12` survive;
- card numbers must pass the Luhn check AND start with a card network prefix at a network
  length; IBANs must pass ISO 13616's mod-97 check;
- phone numbers need a `+country` prefix, an `(area)` code, the 3-3-4 grouping, or a national
  trunk `0` with 9 to 12 digits, so dates, times, versions and short numbers survive;
- a dotted quad is an IPv4 address unless it reads as a version (`v1.2.3.4`, `1.2.3.4-alpha`)
  or is the unspecified 0.0.0.0; IPv6 needs `::` or all eight groups and must parse;
- 12-digit AWS account ids are scrubbed only inside ARNs or after the word "account".
Text may arrive JSON-encoded (`\\"`, `\\n`), so quotes may carry a backslash.
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


def _scrubbed_already(value: str) -> bool:
    return value.startswith("[") and value.endswith("]")


def _fixed(placeholder: str) -> Replacement:
    return lambda _match: placeholder


def _keep_prefix(placeholder: str) -> Replacement:
    """Keep group 1 (the label, e.g. `Bearer ` or `password=`) and hide the value (group 2)."""

    def replace(match: re.Match[str]) -> str:
        if _scrubbed_already(match.group(2)):
            return match.group(0)
        return f"{match.group(1)}{placeholder}{match.group(0)[match.end(2) - match.start() :]}"

    return replace


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
    (re.compile(r"^62"), frozenset({16, 17, 18, 19})),  # UnionPay
)


def is_card_number(candidate: str) -> bool:
    digits = re.sub(r"[ -]", "", candidate)
    if not digits.isdigit():
        return False
    network = any(
        prefix.match(digits) and len(digits) in lengths for prefix, lengths in _CARD_NETWORKS
    )
    return network and luhn_valid(digits)


def is_iban(candidate: str) -> bool:
    """ISO 13616: move the country and check digits to the end, letters to numbers, mod 97."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rotated = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rotated)) % 97 == 1


def _checked(placeholder: str, check: Callable[[str], bool]) -> Replacement:
    return lambda match: placeholder if check(match.group(0)) else match.group(0)


def _ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    if "::" not in text and text.count(":") != 7:
        return text
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return text
    return "[ip]"


def _ipv4(match: re.Match[str]) -> str:
    # 0.0.0.0 is the unspecified (bind-all) address: nobody's, and common in configs
    unspecified = all(int(part) == 0 for part in match.group(0).split("."))
    return match.group(0) if unspecified else "[ip]"


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(char.isdigit() for char in text)
    if text.startswith("0"):  # national trunk prefix: UK 10-11, FR 10, DE 9-12 digits
        return "[phone]" if 9 <= digits <= 12 else text
    return "[phone]" if 7 <= digits <= 15 else text


def _iban(match: re.Match[str]) -> str:
    """The longest prefix of the match (in whole space-separated groups) that is an IBAN:
    the pattern may have run on into a following word that happens to look like a group."""
    text = match.group(0)
    groups = text.split(" ")
    for end in range(len(groups), 0, -1):
        candidate = " ".join(groups[:end])
        if is_iban(candidate):
            return "[iban]" + text[len(candidate) :]
    return text


def _labelled(match: re.Match[str]) -> str:
    """Hide the value after a secret-looking label, quoted or bare, and keep the rest."""
    group = "quoted" if match.group("quoted") is not None else "bare"
    if _scrubbed_already(match.group(group)):
        return match.group(0)
    start, end = match.start(group) - match.start(), match.end(group) - match.start()
    whole = match.group(0)
    return f"{whole[:start]}[secret]{whole[end:]}"


_QUOTE = r"""(?:\\?["'])"""  # a quote, JSON-escaped or not
_LABEL = (
    r"[\w.-]*?(?:password|passwd|passphrase|secret|token|credentials?"
    r"|(?:api|access|secret|private|signing|encryption|master|client|account)[_-]?key)"
    r"|(?:[\w.-]*[_.-])?(?:pass|pwd|pw)"
)
_AUTH_SCHEME = r"(?:basic|bearer|token|digest|negotiate|ntlm|apikey|key|sso-key|splunk)"
_VENDOR_KEYS = "|".join(
    (
        r"sk-ant-[\w-]{8,}",  # Anthropic
        r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",  # OpenAI
        r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}",  # Stripe secret and restricted keys
        r"whsec_[A-Za-z0-9]{16,}",  # Stripe webhook signing secrets
        r"AIza[\w-]{30,}",  # Google API keys
        r"glpat-[\w-]{20,}",  # GitLab
        r"npm_[A-Za-z0-9]{36}",  # npm
        r"pypi-AgE[\w-]{20,}",  # PyPI
        r"SG\.[\w-]{16,}\.[\w-]{16,}",  # SendGrid
    )
)

_RULES: tuple[_Rule, ...] = (
    # Secrets first: their shapes may contain digits the later rules would half-match.
    _Rule(
        "private_key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
            # cut off before its END line: header lines and base64 runs, as far as they go
            r"|(?:(?:\s|\\n)*(?:[\w-]+: [^\n\\]*|[A-Za-z0-9+/=]{16,}))*)"
        ),
        _fixed("[private-key]"),
    ),
    _Rule(
        "slack_webhook",
        re.compile(r"https?://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[\w/-]+"),
        _fixed("[slack-webhook]"),
    ),
    _Rule(
        "url_credentials",  # scheme://user:password@host, whether or not the host has a TLD
        re.compile(r"\b([a-z][a-z0-9+.-]{1,20}://[^\s:/@]*:)([^\s@/]+)(?=@)", re.IGNORECASE),
        _keep_prefix("[secret]"),
    ),
    _Rule("api_key", re.compile(rf"\b(?:{_VENDOR_KEYS})"), _fixed("[api-key]")),
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
        "authorization",
        re.compile(
            rf"(?i)(\b(?:proxy-)?authorization{_QUOTE}?\s*[:=]\s*{_QUOTE}?(?:{_AUTH_SCHEME}\s+)?)"
            r"([^\s\"'\\]{3,})"
        ),
        _keep_prefix("[token]"),
    ),
    _Rule(
        "bearer",
        re.compile(r"(?i)(\bbearer\s+)((?=[\w.~+/-]*\d)[\w.~+/-]{8,}=*)"),
        _keep_prefix("[token]"),
    ),
    _Rule(
        "labelled_secret",
        re.compile(
            rf"(?i)(?<![\w.-])(?:{_LABEL}){_QUOTE}?\s*[:=]\s*"
            rf"(?:{_QUOTE}(?P<quoted>[^\"'\\\n]{{1,200}})"
            r"|(?P<bare>(?:[^\s\"'\\,;&<>]|&(?![\w.-]+=)){3,}))"
        ),
        _labelled,
    ),
    _Rule(
        "email",
        re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])"),
        _fixed("[email]"),
    ),
    _Rule(
        "iban",
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
        _iban,
    ),
    _Rule(
        "aws_account_in_arn",
        re.compile(r"(\barn:aws[\w-]*:[\w-]+:[\w-]*:)(\d{12})(?=:)"),
        _keep_prefix("[aws-account]"),
    ),
    _Rule(
        "aws_account_labelled",
        re.compile(r"(?i)(\baccount(?:[ _-]?id)?\s*[:=#]?\s*)(\d{12})\b"),
        _keep_prefix("[aws-account]"),
    ),
    _Rule(
        "card",
        re.compile(r"(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w.-]*\d)(?!\w)"),
        _checked("[card]", is_card_number),
    ),
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
        _ipv4,
    ),
    _Rule(
        "phone",
        re.compile(
            r"(?<![\w+./-])(?:"
            r"\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}"
            r"|(?:1[\s.-])?\(\d{3}\)[\s.-]?\d{3}[\s.-]\d{4}"
            r"|(?:1[\s.-])?\d{3}[\s.-]\d{3}[\s.-]\d{4}"
            r"|0\d{1,4}(?:[\s./-]?\d{2,8}){1,4}"  # national, after the trunk 0
            r")(?![\w.-]*\d)(?!\w)"  # a hash's leading digits are no number
        ),
        _phone,
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
