"""Pure parsing pieces of the subcommands: mentions, emails, declare and list arguments."""

from __future__ import annotations

import pytest

from bot.commands.base import parse_email, parse_user
from bot.commands.declare import _parse as parse_declare
from bot.commands.list_incidents import _parse as parse_list


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("<@U123ABC|alice>", "U123ABC"),
        ("<@W999>", "W999"),
        ("U0XYZ12", "U0XYZ12"),
        ("@U0XYZ12", "U0XYZ12"),
        ("<#C123|general>", None),
        ("alice", None),
        ("<@U12", None),
    ],
)
def test_parse_user(token: str, expected: str | None) -> None:
    assert parse_user(token) == expected


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("<mailto:bob@example.com|bob@example.com>", "bob@example.com"),
        ("bob@example.com", "bob@example.com"),
        ("bob@", None),
        ("<@U123>", None),
    ],
)
def test_parse_email(token: str, expected: str | None) -> None:
    assert parse_email(token) == expected


def test_declare_takes_flags_anywhere_and_keeps_apostrophes() -> None:
    parsed = parse_declare(["--severity", "P1", "checkout's", "down", "--team", "payments"])
    assert parsed == ("checkout's down", {"--severity": "P1", "--team": "payments"})


def test_declare_refuses_a_missing_title_or_flag_value() -> None:
    assert parse_declare(["--severity", "P1"]) == "A title is required"
    assert parse_declare(["db", "--service"]) == "--service needs a value"


def test_list_arguments() -> None:
    assert parse_list(["--all", "--cursor", "abc"]) == (True, "abc", False)
    assert parse_list(["--cursor=xyz"]) == (False, "xyz", False)
    assert parse_list(["bogus"])[2] is True
