"""A person's first look: a drill, then a status draft edited in its modal and approved from the
sandbox page in a real (headless) browser, and the public post on the sandbox status page. No
Statuspage account."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page

from bot.slack.vocabulary import ActionId
from tests.e2e.conftest import start_marshal
from tests.eventually import eventually

pytestmark = pytest.mark.slow  # marshal in a subprocess and a browser

_ROOM = re.compile(r"war room #(\S+) \((\w+)\) ready")
DRAFTER, APPROVER = "U0ALICE", "U0DAVE"
PUBLIC_TEXT = "We are looking into slow checkouts & will update here."


@pytest.mark.timeout(240)  # a drill and a browser; 12 s alone, several times that on a busy CI
def test_a_drill_approved_on_the_page_appears_on_the_sandbox_status_page(
    tmp_path: Path, page: Page
) -> None:
    directory = tmp_path / "directory.yaml"
    directory.write_text(f"drills: [{DRAFTER}, {APPROVER}]\n")
    marshal = start_marshal(
        tmp_path,
        MARSHAL_DIRECTORY_FILE=str(directory),
        MARSHAL_APPROVERS=APPROVER,
        MARSHAL_ANNOUNCE_CHANNEL="C0INCIDENTS",
    )
    try:
        assert "sandbox status page at" in "".join(marshal.lines)
        drill = subprocess.run(
            [sys.executable, "-m", "bot", "drill", "--url", marshal.url, "--severity", "P2"],
            env=marshal.env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert drill.returncode == 0, drill.stdout + drill.stderr
        found = _ROOM.search(drill.stdout)
        assert found, drill.stdout
        room = found.group(2)

        page.goto(marshal.sandbox_url)
        page.select_option("#as-user", DRAFTER)
        command = page.locator(f'form.command[data-channel="{room}"]')
        command.locator("input").fill("status draft investigating A first wording.")
        command.locator("button").click()
        in_room = f'section[id="{room}"]'
        edit = page.locator(f'{in_room} button[data-action="{ActionId.EDIT_STATUS_DRAFT.value}"]')
        edit.first.click()  # opens the edit modal for the drafter, shown on the page
        modal = page.locator(f'section.modal[data-user="{DRAFTER}"]')
        modal.locator("textarea").fill(PUBLIC_TEXT)
        modal.locator("button.submit-view").click()
        modal.wait_for(state="detached")
        approve = page.locator(
            f'{in_room} button[data-action="{ActionId.APPROVE_STATUS_DRAFT.value}"]'
        )
        eventually(
            lambda: PUBLIC_TEXT in page.locator(in_room).inner_text(),
            timeout=20,
            message="the edited draft in the room",
        )
        page.select_option("#as-user", APPROVER)
        approve.last.click()

        def published() -> bool:
            page.goto(f"{marshal.sandbox_url}/status")
            return PUBLIC_TEXT in page.inner_text("body")

        eventually(published, timeout=30, message="the public post on the sandbox status page")
        assert page.locator("section.incident").count() == 1
    finally:
        assert marshal.stop()[0] == 0
        marshal.close()
