"""The console on both stores: a login link is used once however many redeem it at the same
moment, and the whole console (sign-in, paging across runs, actions, the audit badge) works on
DynamoDB over moto's server as it does on SQLite."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import utcnow
from bot.web.console.login_links import LoginLinkRefused, LoginLinks, LoginLinkSigner
from bot.web.console.queue_view import PAGE_SIZE
from tests.console.conftest import Console, csrf_of, start_console, titles
from tests.contract.conftest import BACKENDS, Backend, open_backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    yield from open_backend(request, tmp_path / "marshal.db", f"c{uuid.uuid4().hex[:6]}-")


def test_a_login_link_is_used_once_when_redeemed_at_the_same_moment(backend: Backend) -> None:
    signer = LoginLinkSigner(b"k" * 32)
    links = LoginLinks(signer, backend.store)
    token = signer.issue("U0ALICE")
    start = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def redeem() -> None:
        start.wait()
        try:
            outcome = links.redeem(token).user_id
        except LoginLinkRefused as exc:
            outcome = exc.reason
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert (
        sorted(outcomes)
        == ["U0ALICE"] + ["this login link was already used; ask for a new one"] * 7
    )
    # another link for the same person is a link of its own
    assert links.redeem(signer.issue("U0ALICE")).user_id == "U0ALICE"


@pytest.fixture
def dynamo_console(aws: object, tmp_path: Path) -> Iterator[Console]:
    group, rig = start_console(
        tmp_path, marshal_store="dynamodb", marshal_table_prefix=f"con{uuid.uuid4().hex[:6]}-"
    )
    try:
        yield rig
    finally:
        rig.close()
        group.stop()


def test_the_console_works_on_dynamodb(dynamo_console: Console) -> None:
    console = dynamo_console
    now = utcnow()
    for n in range(PAGE_SIZE + 3):
        status = IncidentStatus.INVESTIGATING if n % 2 else IncidentStatus.RESOLVED
        console.incident(
            title=f"{status.value}-{n:03}",
            group_key=f"k{n}",
            status=status,
            triggered_at=now - timedelta(minutes=n),
        )
    client = console.signed_in("U0ALICE")
    first = client.get("/console/?status=all").text
    found = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert found
    second = client.get(found.group(1).replace("&amp;", "&")).text
    shown = titles(first) + titles(second)
    assert len(set(shown)) == PAGE_SIZE + 3
    assert shown.index("resolved-000") > max(
        i for i, t in enumerate(shown) if t.startswith("investigating")
    )

    target = console.incident(title="act on me", group_key="act", channel_id="C0ROOM")
    csrf = csrf_of(client.get(f"/console/incidents/{target.id}").text)
    client.post(f"/console/incidents/{target.id}/ack", data={"csrf_token": csrf})
    client.post(f"/console/incidents/{target.id}/note", data={"csrf_token": csrf, "text": "hi"})
    stored = console.backends.store.get(target.id)
    assert stored is not None and stored.acknowledged_by == "U0ALICE"
    assert [e.text for e in console.backends.store.list_timeline(target.id)] == ["hi"]
    audit = client.get(f"/console/incidents/{target.id}/audit").text
    assert 'class="badge good"' in audit
