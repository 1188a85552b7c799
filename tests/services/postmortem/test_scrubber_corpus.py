"""The scrubber against its corpus (scrubber_corpus.yaml): 100% recall on the positives (each
secret part is gone from the output) and no near-miss altered, plus the properties a caller
relies on: the same input always gives the same output, scrubbing twice changes nothing, and
hostile input does not make the patterns backtrack for long."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.services.postmortem.scrubber import scrub, scrub_text

_CORPUS: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "scrubber_corpus.yaml").read_text(encoding="utf-8")
)
POSITIVES: list[dict[str, Any]] = _CORPUS["positives"]
NEAR_MISSES: list[str] = _CORPUS["near_misses"]


def test_the_corpus_is_big_enough_to_mean_something() -> None:
    assert len(POSITIVES) >= 80
    assert len(NEAR_MISSES) >= 40
    assert all(isinstance(g, str) and g for p in POSITIVES for g in p["gone"])


@pytest.mark.parametrize("case", POSITIVES, ids=[p["text"][:40] for p in POSITIVES])
def test_every_secret_part_is_gone(case: dict[str, Any]) -> None:
    scrubbed = scrub(case["text"])
    for secret in case["gone"]:
        assert secret not in scrubbed, f"{secret!r} survived in {scrubbed!r}"


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_no_near_miss_is_altered(text: str) -> None:
    assert scrub(text) == text


def test_scrubbing_is_deterministic_and_idempotent() -> None:
    corpus = "\n".join(p["text"] for p in POSITIVES)
    first = scrub_text(corpus)
    assert scrub_text(corpus) == first
    assert scrub(first.text) == first.text  # placeholders are never scrubbed again
    assert sum(first.counts.values()) >= len(POSITIVES)


def test_a_json_encoded_secret_is_scrubbed_too() -> None:
    # The postmortem prompt is JSON: quotes arrive as \" and newlines as \n.
    raw = (
        'set "password": "hunter2hunter2" then\n'
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
    )
    scrubbed = scrub(json.dumps({"text": raw}))
    assert "hunter2hunter2" not in scrubbed
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in scrubbed


@pytest.mark.parametrize(
    "hostile",
    [
        "password_" * 5000 + "x",
        "a." * 20000 + "@",
        "0 1" * 10000,
        "ab:" * 20000,
        "-----BEGIN PRIVATE KEY-----" * 500,
        "GB82 " + "ABCD " * 5000,
        "x://" + ":" * 20000,
    ],
)
def test_hostile_input_is_scrubbed_in_linear_time(hostile: str) -> None:
    started = time.perf_counter()
    scrub(hostile)
    assert time.perf_counter() - started < 2.0  # ~0.05 s here; catastrophic backtracking is minutes
