"""At DEBUG, marshal's log still carries no Slack payloads: Bolt resets its own loggers to the
root level when it builds them, so keeping them at WARNING takes more than a setLevel. A real
Bolt app against the sandbox, built after logging is configured at DEBUG, as `marshal up` does."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.models import Alert, AlertSource, Incident
from bot.domain.severity import Severity
from bot.observability.logs import configure_logging
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.wiring.slack import SlackFeatures
from bot.wiring.stores import build_audit_log, build_store
from tests.eventually import eventually
from tests.slack.conftest import start_sandbox_slack

SECRET = "hunter2hunter2"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """configure_logging("DEBUG") as `marshal up` calls it, its handler writing to a buffer;
    the root logger is put back afterwards for the other tests."""
    root = logging.getLogger()
    saved = (root.level, root.handlers[:])
    configure_logging("DEBUG")
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]


def test_a_command_with_a_secret_leaves_no_payload_in_the_debug_log(
    debug_log: io.StringIO, sandbox: SandboxSlack, tmp_path: Path
) -> None:
    settings = Settings(marshal_db_path=tmp_path / "marshal.db")
    store = build_store(settings)

    def submit_alert(alert: Alert) -> Incident:
        return store.create_if_absent(Incident.from_alert(alert))[0]

    side, running = start_sandbox_slack(
        sandbox, settings, store, build_audit_log(settings), SlackFeatures(submit_alert)
    )
    try:
        eventually(lambda: sandbox.hub.connection_count > 0)
        channel = side.gateway.create_private_channel("inc-debug-log")
        side.gateway.invite(channel.id, ["U0ALICE"])
        incident, _ = store.create_if_absent(
            Incident(source=AlertSource.GENERIC, group_key="debug", title="t", severity=Severity.P2)
        )
        store.update(
            incident.model_copy(update={"channel_id": channel.id}),
            expected_version=incident.version,
        )
        delivered = SandboxControl(sandbox.url).run_command(
            "U0ALICE", channel.id, f"note DB_PASSWORD={SECRET} was in the deploy log"
        )
        assert delivered.acked
        eventually(lambda: store.list_timeline(incident.id))
    finally:
        running.stop()
    logging.getLogger("bot.slack").debug("marker: DEBUG lines do get written")
    written = debug_log.getvalue()
    assert "marker: DEBUG lines do get written" in written
    assert SECRET not in written
    assert '"logger": "slack_bolt' not in written
