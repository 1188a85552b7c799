"""The weekly digests page over HTTP: the weeks in MARSHAL_REPORTS_DIR, each shown as text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.conftest import Console, start_console


@pytest.fixture
def reports_console(tmp_path: Path) -> Iterator[Console]:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "2026-W47.md").write_text("# Week 2026-W47\n\n3 incidents <b>bold</b>\n")
    (reports / "2026-W48.md").write_text("# Week 2026-W48\n\n1 incident\n")
    (reports / "notes.md").write_text("not a digest")
    (tmp_path / "secret.md").write_text("outside the folder")
    group, rig = start_console(tmp_path, marshal_reports_dir=reports)
    try:
        yield rig
    finally:
        rig.close()
        group.stop()


def test_the_weeks_are_listed_newest_first_and_shown_as_text(reports_console: Console) -> None:
    client = reports_console.signed_in()
    index = client.get("/console/digests").text
    assert index.index("2026-W48") < index.index("2026-W47") and "notes" not in index
    week = client.get("/console/digests/2026-W47")
    assert week.status_code == 200
    assert "3 incidents &lt;b&gt;bold&lt;/b&gt;" in week.text


def test_nothing_but_a_week_can_be_named(reports_console: Console) -> None:
    client = reports_console.signed_in()
    for name in ("notes", "..%2Fsecret", "2026-W49"):
        answer = client.get(f"/console/digests/{name}")
        assert answer.status_code == 404, name
        assert "outside the folder" not in answer.text
    assert reports_console.client().get("/console/digests").status_code == 303
