"""start_processor builds each Slack-side part once: one gateway, one IncidentPermissions (so
one approver-group cache), one status-page gate with one review and one drafting service,
one resolve flow; and the nudge modal can start drafts from the moment it exists.

The real processor (sandbox Slack over sockets, SQLite store and local queue in a temp file);
the parts are counted among the live objects it created, compared with those alive before.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.gates.status_page import StatusPageApprovalGate
from bot.sandbox.server import SandboxSlack
from bot.services.nudges.status_updates import StatusUpdateRecorder
from bot.services.permissions import IncidentPermissions
from bot.services.resolution.flow import ResolutionFlow
from bot.services.status_drafts.drafting import StatusPageDrafting
from bot.settings import Settings
from bot.slack.gateway import WebClientSlackGateway
from bot.slack.status_review import StatusPageReview
from bot.wiring.backends import open_backends
from bot.wiring.process import ProcessGroup
from bot.wiring.processor import start_processor

COUNTED: tuple[type, ...] = (
    WebClientSlackGateway,
    IncidentPermissions,
    StatusPageApprovalGate,
    StatusPageReview,
    StatusPageDrafting,
    ResolutionFlow,
    StatusUpdateRecorder,
)


def live(kinds: tuple[type, ...]) -> list[object]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, kinds)]


@pytest.fixture
def built(sandbox_env: SandboxSlack, tmp_path: Path) -> Iterator[list[object]]:
    """The objects of COUNTED kinds that one start_processor created and still holds."""
    before = live(COUNTED)  # held here, so none of them can die and lend its id to a new one
    settings = Settings(marshal_db_path=tmp_path / "marshal.db")
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    try:
        start_processor(group, settings, backends)
        yield [o for o in live(COUNTED) if not any(o is old for old in before)]
    finally:
        group.stop()


def count(objects: list[object], kind: type) -> int:
    return sum(isinstance(o, kind) for o in objects)


def test_one_gateway_one_permission_cache_one_gate_per_process(built: list[object]) -> None:
    assert count(built, WebClientSlackGateway) == 1
    assert count(built, IncidentPermissions) == 1
    assert count(built, StatusPageApprovalGate) == 1
    assert count(built, StatusPageReview) == 1
    assert count(built, StatusPageDrafting) == 1


def test_the_resolve_flow_and_the_nudge_modal_are_built_whole(built: list[object]) -> None:
    assert count(built, ResolutionFlow) == 1
    [recorder] = [o for o in built if isinstance(o, StatusUpdateRecorder)]
    assert recorder.can_draft  # given its drafting at construction, not plugged in later
    assert not hasattr(StatusUpdateRecorder, "connect_drafts")
