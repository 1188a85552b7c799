"""The resolve flow's step table: its steps in the order `is_complete` expects, one after
another, and the archive only after a run in which nothing failed."""

from __future__ import annotations

from bot.services.resolution.steps import ResolutionStep, required_steps
from tests.services.resolution.conftest import ResolveKit


def test_the_steps_run_in_order_and_the_archive_waits_for_a_clean_run(kit: ResolveKit) -> None:
    steps, archive = kit.flow().stages
    assert not steps.side_by_side
    assert [s.name for s in steps.steps] == list(required_steps(archive=False))
    assert [s.name for s in archive.steps] == [ResolutionStep.ARCHIVE]
    assert archive.after_clean_run


def test_without_archiving_there_is_no_archive_step(kit: ResolveKit) -> None:
    (only,) = kit.flow(archive_on_resolve=False).stages
    assert [s.name for s in only.steps] == list(required_steps(archive=False))
