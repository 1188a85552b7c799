"""Soak: mixed traffic against `marshal up` for a while; does the process grow?

    .venv/bin/python benchmarks/soak.py --minutes 30

Starts a sandbox Slack in this process (so its growing workspace is not counted) and `marshal up`
pointed at it, in a temp directory. Then, at `--rate` operations a second: alerts by signed
webhook (new groups, re-sends, resolves and recurrences: rooms keep being opened and closed),
slash commands (`list`, `note`, `timeline`) and checklist button clicks through the sandbox
control API, i.e. over Socket Mode. marshal's RSS, open file descriptors and threads are read
from /proc/<pid>/status and /proc/<pid>/fd after a warm-up (imports, caches, connection pools
and thread pools fill up in the first minute: that is start-up, not growth) and at the end.

Exit status 1 if, between those two samples, RSS grew by more than 16 MiB, open fds by more than
8, or threads by more than 4; or if any request failed. Why these bounds: marshal keeps its state
in SQLite and Slack, not in memory, so after warm-up it should be flat; the slack it allows is
allocator fragmentation and SQLite's page cache (2 MiB per connection, one connection per
thread), a few keep-alive sockets and pool threads that come and go. A leak of a kilobyte per
operation over a 30-minute run at the default rate (~9,000 operations) already exceeds it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from launch import launch

from bot.ingest.signatures import sign_generic
from bot.sandbox.control_client import SandboxControl, SandboxControlError
from bot.sandbox.server import SandboxSlack
from bot.services.war_room.channel_name import short_id
from bot.slack.vocabulary import ActionId

SECRET = "soak-secret"
MAX_RSS_GROWTH_KIB = 16 * 1024
MAX_FD_GROWTH = 8
MAX_THREAD_GROWTH = 4
USERS = ("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE")


def fd_kinds(pid: int) -> dict[str, int]:
    """Open descriptors by what they point at: a leak shows up as one kind that keeps growing."""
    kinds: dict[str, int] = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed between listing and reading
        kind = re.sub(r"\[\d+\]$", "", target)  # socket:[1234] -> socket:
        kind = re.sub(r"^/tmp/[^/]+/", "<tmp>/", kind)
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


@dataclass(frozen=True)
class Sample:
    at: float
    rss_kib: int
    fds: int
    threads: int

    @classmethod
    def of(cls, pid: int) -> Sample:
        status = Path(f"/proc/{pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return cls(
            at=time.monotonic(),
            rss_kib=int(fields["VmRSS"].split()[0]),
            fds=len(os.listdir(f"/proc/{pid}/fd")),
            threads=int(fields["Threads"]),
        )

    def line(self, since: float) -> str:
        return (
            f"  t={self.at - since:7.0f}s  RSS {self.rss_kib} KiB, {self.fds} fds,"
            f" {self.threads} threads"
        )


@dataclass
class Room:
    incident_id: str
    channel_id: str
    checklist_ts: str


class Traffic:
    """One operation at a time, chosen at random; counts what was done and what failed."""

    def __init__(self, url: str, slack: SandboxSlack, rng: random.Random) -> None:
        self._url = url
        self._slack = slack
        self._control = SandboxControl(slack.url, timeout=30)
        self._rng = rng
        self._firing: dict[str, str] = {}  # group -> incident id
        self._generation: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.failures: list[str] = []

    def step(self) -> None:
        kind = self._rng.choices(
            ["fire", "resend", "resolve", "command", "click"], weights=[3, 3, 1, 3, 3]
        )[0]
        try:
            getattr(self, f"_{kind}")()
        except (OSError, SandboxControlError, AssertionError) as exc:
            self.failures.append(f"{kind}: {exc}")
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def _alert(self, group: str, status: str) -> str:
        body = json.dumps(
            {
                "dedup_key": f"{group}-{self._generation.get(group, 0)}",
                "status": status,
                "title": f"Soak {group}",
                "severity": self._rng.choice(["P1", "P2", "P2", "P3"]),
                "service": "checkout",
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            **sign_generic(SECRET, body, int(time.time())),
        }
        request = urllib.request.Request(
            f"{self._url}/webhooks/generic", data=body, method="POST", headers=headers
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status in (200, 202), response.status
            return str(json.loads(response.read()).get("incident_id") or "")

    def _fire(self) -> None:
        group = f"g{self._rng.randrange(40)}"
        incident_id = self._alert(group, "firing")
        self._firing[group] = incident_id

    def _resend(self) -> None:
        if self._firing:
            self._alert(self._rng.choice(sorted(self._firing)), "firing")
        else:
            self._fire()

    def _resolve(self) -> None:
        if not self._firing:
            return
        group = self._rng.choice(sorted(self._firing))
        self._alert(group, "resolved")
        del self._firing[group]
        self._generation[group] = self._generation.get(group, 0) + 1  # it may come back

    def _rooms(self) -> list[Room]:
        rooms = []
        channels = list(self._slack.workspace.channels.values())
        for incident_id in self._firing.values():
            for channel in channels:
                if channel.is_private and short_id(incident_id) in channel.name and channel.pins:
                    rooms.append(Room(incident_id, channel.id, channel.pins[-1].ts))
        return rooms

    def _command(self) -> None:
        rooms = self._rooms()
        user = self._rng.choice(USERS)
        if not rooms or self._rng.random() < 0.3:
            delivered = self._control.run_command(user, "C0TRIAGE", "list")
        else:
            room = self._rng.choice(rooms)
            text = self._rng.choice(["timeline", f"note soak {self._rng.randrange(10**6)}"])
            delivered = self._control.run_command(user, room.channel_id, text)
        assert delivered.acked, "command not acked"

    def _click(self) -> None:
        rooms = self._rooms()
        if not rooms:
            return self._command()
        room = self._rng.choice(rooms)
        buttons = self._checklist_buttons(room)
        if not buttons:
            return self._command()
        action_id, value = self._rng.choice(buttons)  # tick or untick: whichever is shown
        delivered = self._control.press_button(
            self._rng.choice(USERS), room.channel_id, room.checklist_ts, action_id, value=value
        )
        assert delivered.acked, "click not acked"
        return None

    def _checklist_buttons(self, room: Room) -> list[tuple[str, str]]:
        """Every choice the checklist's menus offer (tick an open item, undo a person's
        tick), as (action id, option value)."""
        channel = self._slack.workspace.channels[room.channel_id]
        message = next((m for m in channel.messages if m.ts == room.checklist_ts), None)
        if message is None:
            return []
        actions = {ActionId.TICK_CHECKLIST_ITEM.value, ActionId.UNTICK_CHECKLIST_ITEM.value}
        return [
            (element["action_id"], option["value"])
            for block in message.blocks
            for element in [block.get("accessory") or {}, *block.get("elements", [])]
            if element.get("action_id") in actions
            for option in element.get("options", [])
        ]


def start_marshal(tmp: Path, slack: SandboxSlack) -> tuple[subprocess.Popen[str], str]:
    process, url, _ = launch(
        tmp,
        "up",
        MARSHAL_SECRET_GENERIC=SECRET,
        MARSHAL_ANNOUNCE_CHANNEL="C0INCIDENTS",
        MARSHAL_TRIAGE_CHANNEL="C0TRIAGE",
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_APP_TOKEN=slack.app_token,
        SLACK_API_URL=slack.api_url,
    )
    return process, url


def _wait_for_socket(slack: SandboxSlack) -> None:
    deadline = time.monotonic() + 30
    while slack.hub.connection_count == 0:
        if time.monotonic() > deadline:
            raise SystemExit("marshal never connected to the sandbox over Socket Mode")
        time.sleep(0.1)


def _print_fd_kinds(label: str, kinds: dict[str, int]) -> None:
    print(f"{label}: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())))


def _print_growth(first: Sample, last: Sample, operations: int) -> list[str]:
    rows = [
        ("RSS (KiB)", first.rss_kib, last.rss_kib, MAX_RSS_GROWTH_KIB),
        ("open fds", first.fds, last.fds, MAX_FD_GROWTH),
        ("threads", first.threads, last.threads, MAX_THREAD_GROWTH),
    ]
    minutes = (last.at - first.at) / 60
    print(f"after warm-up, over {minutes:.1f} min and {operations} operations:")
    over = []
    for name, start, end, bound in rows:
        growth = end - start
        print(f"  {name:10} start {start:>8}  end {end:>8}  growth {growth:>+7}  (bound {bound})")
        if growth > bound:
            over.append(f"{name} grew by {growth} (bound {bound})")
    return over


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=5.0, help="operations per second")
    parser.add_argument("--warm-up", type=float, default=None, help="seconds (default: 20%%)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument(
        "--sample-every", type=float, default=60.0, help="seconds between progress samples"
    )
    args = parser.parse_args()
    total = args.minutes * 60
    warm_up = args.warm_up if args.warm_up is not None else min(60.0, total * 0.2)
    print(f"soak: {args.minutes} min at {args.rate}/s, warm-up {warm_up:.0f} s, seed {args.seed}")

    with tempfile.TemporaryDirectory() as tmp, SandboxSlack() as slack:
        process, url = start_marshal(Path(tmp), slack)
        try:
            _wait_for_socket(slack)
            traffic = Traffic(url, slack, random.Random(args.seed))
            launched = Sample.of(process.pid)
            started = time.monotonic()
            first: Sample | None = None
            first_kinds: dict[str, int] = {}
            next_sample = started + args.sample_every
            done = operations = 0
            while (elapsed := time.monotonic() - started) < total:
                if first is None and elapsed >= warm_up:
                    first, operations = Sample.of(process.pid), 0
                    first_kinds = fd_kinds(process.pid)
                if time.monotonic() >= next_sample:
                    print(Sample.of(process.pid).line(started), flush=True)
                    next_sample += args.sample_every
                traffic.step()
                done += 1
                operations += 1
                # a steady rate: a slow operation is caught up on, not added to the pace
                time.sleep(max(0.0, started + done / args.rate - time.monotonic()))
            last = Sample.of(process.pid)
            first = first or launched
            print(
                f"at launch: RSS {launched.rss_kib} KiB, {launched.fds} fds,"
                f" {launched.threads} threads"
            )
            print(f"operations: {traffic.counts}")
            _print_fd_kinds("fds after warm-up", first_kinds or fd_kinds(process.pid))
            _print_fd_kinds("fds at the end", fd_kinds(process.pid))
            over = _print_growth(first, last, operations)
            if process.poll() is not None:
                over.append(f"marshal exited with {process.returncode}")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(15)
    for failure in traffic.failures[:10]:
        print(f"failed: {failure}")
    if traffic.failures:
        over.append(f"{len(traffic.failures)} operations failed")
    for problem in over:
        print(f"soak: FAILED: {problem}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
