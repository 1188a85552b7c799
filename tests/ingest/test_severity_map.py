from __future__ import annotations

import pytest

from bot.domain.severity import Severity
from bot.ingest.severity_map import DEFAULT_SEVERITY_MAP, SeverityMap


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("critical", Severity.P1),
        ("page", Severity.P1),
        ("HIGH", Severity.P1),
        ("P1", Severity.P1),
        ("error", Severity.P2),
        ("major", Severity.P2),
        ("warning", Severity.P3),
        ("medium", Severity.P3),
        ("info", Severity.P4),
        ("low", Severity.P4),
        ("p5", Severity.P5),
        ("4", Severity.P4),
        (" 2 ", Severity.P2),
    ],
)
def test_default_words(word: str, expected: Severity) -> None:
    assert DEFAULT_SEVERITY_MAP.resolve(word) is expected


def test_unknown_and_missing_fall_back_to_default() -> None:
    assert DEFAULT_SEVERITY_MAP.resolve("bananas") is Severity.P3
    assert DEFAULT_SEVERITY_MAP.resolve(None) is Severity.P3
    assert DEFAULT_SEVERITY_MAP.resolve("9") is Severity.P3
    assert SeverityMap(default=Severity.P4).resolve("bananas") is Severity.P4


def test_first_known_candidate_wins() -> None:
    assert DEFAULT_SEVERITY_MAP.resolve("bananas", "low", "critical") is Severity.P4


def test_overrides_and_text_configuration() -> None:
    custom = SeverityMap.from_text("sev-a=P1, warning=P2,high=4")
    assert custom.resolve("SEV-A") is Severity.P1
    assert custom.resolve("warning") is Severity.P2
    assert custom.resolve("high") is Severity.P4
    assert custom.resolve("critical") is Severity.P1  # defaults kept
    with pytest.raises(ValueError, match="critical=P1"):
        SeverityMap.from_text("oops")
    with pytest.raises(ValueError, match="unknown severity"):
        SeverityMap.from_text("x=P7")


def test_worst() -> None:
    assert DEFAULT_SEVERITY_MAP.worst(["warning", None, "critical", "x"]) is Severity.P1
    assert DEFAULT_SEVERITY_MAP.worst(["x", None]) is None
