"""Fixture payloads for the ingest tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "webhooks"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict[str, Any]:
    value = json.loads(fixture_bytes(name))
    assert isinstance(value, dict)
    return value


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")
