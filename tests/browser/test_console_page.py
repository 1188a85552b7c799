"""The console in a real browser (Debian's headless chromium, driven by Playwright) against
`marshal up` in a subprocess with the sandbox Slack: sign in with a login link, see an
alert's incident appear in the queue, open it, acknowledge it, add a note, and see both in
the incident's Slack room, on the sandbox's own page. Chromium comes from
tests/browser/conftest.py."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from bot.ingest.catalog import CATALOG
from bot.sandbox.control_client import SandboxControl
from tests.e2e.conftest import MarshalProcess, start_marshal
from tests.eventually import eventually
from tests.web.conftest import SECRETS

pytestmark = pytest.mark.slow


@pytest.fixture
def marshal(tmp_path: Path) -> Iterator[MarshalProcess]:
    process = start_marshal(tmp_path, "up", MARSHAL_AUDIT_KEY="browser-test-audit-key-0123")
    yield process
    if process.process.poll() is None:
        process.stop()
    process.close()


def fire_alert(url: str, title: str) -> str:
    body = json.dumps(
        {
            "dedup_key": "browser-1",
            "status": "firing",
            "title": title,
            "severity": "P2",
            "service": "checkout",
        }
    ).encode()
    headers = {"Content-Type": "application/json"}
    headers.update(CATALOG["generic"].sign(SECRETS["generic"], body, int(time.time())))
    request = urllib.request.Request(f"{url}/webhooks/generic", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 202
        return str(json.loads(answer.read())["incident_id"])


def login_link(marshal: MarshalProcess, user: str) -> str:
    printed = subprocess.run(
        [sys.executable, "-m", "bot", "console", "login-link", "--user", user, "--json"],
        env={**marshal.env, "MARSHAL_CONSOLE_URL": f"{marshal.url}/console"},
        cwd=marshal.env["MARSHAL_DB_PATH"].rsplit("/", 1)[0],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return str(json.loads(printed.stdout)["url"])


def test_sign_in_see_the_incident_acknowledge_note_and_see_both_in_the_room(
    marshal: MarshalProcess, browser: Browser
) -> None:
    console_line = next(line for line in marshal.lines if "web console at" in line)
    assert f"{marshal.url}/console/" in console_line  # `marshal up` says where it is
    link = login_link(marshal, "U0ALICE")
    incident_id = fire_alert(marshal.url, "Checkout <b>latency</b> over SLO")
    slack = SandboxControl(marshal.sandbox_url)

    def room() -> dict[str, Any] | None:
        rooms = [c for c in slack.state()["channels"] if incident_id[-6:] in c["name"]]
        return rooms[0] if rooms else None

    war_room = eventually(room, timeout=30, message="the war room")
    assert war_room is not None

    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(link)
    page.click("#sign-in")
    page.wait_for_url(f"{marshal.url}/console/")
    row = page.get_by_role("link", name="Checkout <b>latency</b> over SLO")  # shown as text
    row.wait_for()
    row.click()
    page.wait_for_url(f"{marshal.url}/console/incidents/{incident_id}")

    page.click("#acknowledge")
    page.wait_for_selector("text=Acknowledged.")
    assert "by U0ALICE" in page.inner_text("#acknowledged")
    page.fill("#note-text", "Rolled back checkout to v41 <!here>")
    page.click("#add-note")
    page.wait_for_selector("text=Note added to the timeline.")
    assert "Rolled back checkout to v41 <!here>" in page.inner_text("table.timeline")

    # the room in the sandbox's own page shows both
    slack_page = browser.new_page()

    def room_text() -> str | None:
        slack_page.goto(f"{marshal.sandbox_url}/")
        text = slack_page.inner_text(f"[id='{war_room['id']}']")
        done = "acknowledged the incident from the web console" in text and "v41" in text
        return text if done else None

    text = eventually(room_text, timeout=30, message="both messages in the room")
    assert text is not None and "added a note to the timeline from the web console" in text
    assert problems == []  # nothing the strict CSP blocked, no script errors
    page.close()
    slack_page.close()
