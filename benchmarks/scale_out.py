"""Scale-out on AWS: webhooks and processors on one DynamoDB + SQS FIFO (moto) under a storm.

    .venv/bin/python benchmarks/scale_out.py --alerts 300 --groups 20 --webhooks 2 --processors 2

(moto serves about 100 DynamoDB calls a second on the 2-core machine and the processors'
nudges and event handling share it with the webhooks, so 300 alerts is a couple of minutes
a round; `--alerts 2000` is about ten. Nudges default to every 10 s: at 2 s twenty rooms'
nudges alone fill moto.)

Two rounds, each on a fresh moto server (its own process, DynamoDB requests one at a time, a
request log by caller and operation: tests/fakes/moto_request_log.py), the stack from
infra/cloudformation.yaml, and a fresh sandbox Slack (its own process) that every processor
connects to: first ONE `marshal webhook`, then `--webhooks` of them, each round with
`--processors` `marshal processor`s nudging every `--nudge-seconds` (P1). The Alertmanager
storm (`--alerts` alerts of `--groups` groups, all P1) is split round-robin across the
webhooks by `--senders` concurrent keep-alive senders, which retry a 503 as Alertmanager
does. After it: wait until every room is assembled and the queue is drained, let every room
take a few nudges, stop the processors, then judge (tests/aws/scale_out_verdicts.py, the
verdicts tests/aws/test_scale_out.py asserts) and print:
  - exactly one room per incident and one incident per group;
  - every 2xx alert counted on its incident, nothing lost, every queued event handled;
  - no doubled nudge (no nudge before its slot is due, each posted one audited);
  - exactly one war-room assembly per incident; the audit chains verified by marshal;
and the figures: req/s, p50/p99; AWS calls per request by operation (each webhook's own
/metrics counter and moto's log), the calls each processor made; moto's DynamoDB busy time
and the CPU seconds each process spent during the storm, which say what bounds it.
Exits 1 when a verdict fails. `--moto tables` runs moto's own whole-table transactions.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import scale_out_rig as rig
from aws_calls import AwsCalls

sys.path.insert(0, str(rig.ROOT))  # the deployment and verdicts are the test suite's own

from bot.ingest.catalog import CATALOG
from bot.sandbox.control_client import SandboxControl
from bot.settings import Settings
from bot.wiring.backends import open_backends
from tests.aws import scale_out_verdicts as verdicts
from tests.aws.deployment import (
    Deployment,
    Launcher,
    aws_env,
    start_deployment,
    storm_payload,
)
from tests.aws.stack import create_stack
from tests.fakes.moto_request_log import per_item_available
from tests.web.conftest import SECRETS

RETRIES = 10


@dataclass
class Storm:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)  # incident id -> 2xx alerts
    per_webhook: Counter[int] = field(default_factory=Counter)  # requests sent to each
    wall: float = 0.0


class Senders:
    """Keep-alive connections per thread and webhook; request i goes to webhook i % count."""

    def __init__(self, urls: list[str]) -> None:
        self._hosts = [u.removeprefix("http://").rsplit(":", 1) for u in urls]
        self._local = threading.local()

    def post(self, target: int, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        conns: dict[int, http.client.HTTPConnection] = self._local.__dict__.setdefault("c", {})
        reused = target in conns
        if not reused:
            host, port = self._hosts[target]
            conns[target] = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            conns[target].request("POST", "/webhooks/alertmanager", body, headers)
            response = conns[target].getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            conns.pop(target).close()
            if reused:  # the server closed it while idle (keep-alive timeout): reconnect,
                return self.post(target, body, headers)  # as HTTP clients do
            return 0, b""  # a broken fresh connection: counted as status 0, retried


def fire(urls: list[str], alerts: int, groups: int, senders: int) -> Storm:
    storm, lock, post = Storm(), threading.Lock(), Senders(urls).post
    secret = SECRETS["alertmanager"]
    bodies = [storm_payload(i % groups, i // groups) for i in range(alerts)]

    def one(i: int) -> None:
        body = json.dumps(bodies[i]).encode()
        headers = {"Content-Type": "application/json"}
        headers.update(CATALOG["alertmanager"].sign(secret, body, int(time.time())))
        for _ in range(RETRIES):
            started = time.perf_counter()
            status, answer = post(i % len(urls), body, headers)
            with lock:
                storm.per_webhook[i % len(urls)] += 1
                storm.latencies.append(time.perf_counter() - started)
                storm.statuses[status] += 1
            if status in (200, 202):
                with lock:
                    storm.accepted[json.loads(answer)["incident_id"]] += 1
                return
            time.sleep(0.5)  # 503 (Retry-After) or a broken connection: send it again

    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(one, range(alerts)))
    storm.wall = time.perf_counter() - started
    return storm


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


@dataclass
class Round:
    webhooks: int
    storm: Storm
    busy: float  # moto's DynamoDB seconds during the storm
    cpu: dict[str, float]
    verdicts: list[verdicts.Verdict]


def run_round(args: argparse.Namespace, webhooks: int, tmp: Path) -> Round:
    print(f"\n== {webhooks} webhook(s), {args.processors} processors ==")
    with rig.moto(per_item=args.moto == "items") as moto, rig.sandbox() as slack:
        endpoint = moto.first_line[0]
        os.environ.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="bench-reader",  # this script's own reads, apart in moto's log
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
        )
        stack = create_stack(table_prefix="so-", secrets_prefix="marshal/", max_receives=4)
        slack_url, bot_token, app_token = slack.first_line
        interval = args.nudge_seconds
        processor_env = aws_env(
            stack,
            MARSHAL_NUDGE_INTERVAL=f"P1={interval}s",
            SLACK_BOT_TOKEN=bot_token,
            SLACK_APP_TOKEN=app_token,
            SLACK_API_URL=f"{slack_url}/api/",
        )
        tmp.mkdir()
        launcher = Launcher(tmp, ready_seconds=120)
        try:
            deployment = start_deployment(
                launcher,
                webhooks=webhooks,
                processors=args.processors,
                webhook_env=aws_env(stack),
                processor_env=processor_env,
            )
            pids = _pids(deployment, moto.process.pid, slack.process.pid)
            counters = [AwsCalls(url) for url in deployment.webhook_urls]
            before = [c.settled(0.5) for c in counters]
            cpu_before = {name: rig.cpu_seconds(pid) for name, pid in pids.items()}
            self_before, log_before = rig.own_cpu_seconds(), rig.moto_log(endpoint)
            storm = fire(deployment.webhook_urls, args.alerts, args.groups, args.senders)
            log_after = rig.moto_log(endpoint)
            cpu = {n: rig.cpu_seconds(p) - cpu_before[n] for n, p in pids.items()}
            cpu["load generator"] = rig.own_cpu_seconds() - self_before
            busy = log_after["dynamodb_seconds"] - log_before["dynamodb_seconds"]
            _report_storm(storm, busy, cpu, args.senders)
            for n, (counter, was) in enumerate(zip(counters, before, strict=True), start=1):
                spent = counter.settled() - was
                print(f"webhook-{n} /metrics: {_per(spent, storm.per_webhook[n - 1])}")
            judged = _settle_and_judge(args, stack, deployment, slack_url, storm)
            _report_calls(rig.calls_by_caller(rig.moto_log(endpoint)), storm)
        finally:
            launcher.close()
    return Round(webhooks, storm, busy, cpu, judged)


def _pids(deployment: Deployment, moto: int, slack: int) -> dict[str, int]:
    pids = {"moto": moto, "sandbox Slack": slack}
    for n, p in enumerate(deployment.webhooks, start=1):
        pids[f"webhook-{n}"] = p.process.pid
    for n, p in enumerate(deployment.processors, start=1):
        pids[f"processor-{n}"] = p.process.pid
    return pids


def _settle_and_judge(
    args: argparse.Namespace, stack: Any, deployment: Deployment, slack_url: str, storm: Storm
) -> list[verdicts.Verdict]:
    env = aws_env(stack)
    fields: dict[str, Any] = {k.lower(): v for k, v in env.items()}
    settings = Settings(_env_file=None, **fields)
    backends = open_backends(settings)
    sqs = boto3.client("sqs", region_name="us-east-1")

    def storm_incidents() -> list[Any]:
        page = backends.store.list_incidents(open_only=False, limit=1000).items
        return [i for i in page if "StormShard" in i.group_key]

    def assembled() -> bool:
        incidents = storm_incidents()
        return len(incidents) >= args.groups and all(i.assembled_at for i in incidents)

    def depth(url: str) -> tuple[int, int]:
        got = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return (
            int(got["ApproximateNumberOfMessages"]),
            int(got["ApproximateNumberOfMessagesNotVisible"]),
        )

    settle = time.monotonic()
    rig.wait_for(assembled, 300, "every room to be assembled")
    rig.wait_for(lambda: depth(stack.queue_url) == (0, 0), 300, "the queue to drain")
    print(f"settled {time.monotonic() - settle:.1f} s after the storm (rooms, queue)")
    last = max(i.assembled_at.timestamp() for i in storm_incidents())
    time.sleep(max(0.0, last + args.nudge_slots * args.nudge_seconds + 1 - time.time()))
    for processor in deployment.processors:  # nothing moves while the evidence is read
        try:
            processor.stop(90)
        except subprocess.TimeoutExpired:
            print("a processor did not stop within 90 s of SIGTERM; killed")
            processor.kill()
    incidents = storm_incidents()
    audit = {i.id: backends.audit.events(i.id) for i in incidents}
    control = SandboxControl(slack_url, timeout=60)
    calls, channels = control.calls(), control.state()["channels"]
    dead = depth(stack.outputs["DeadLetterQueueUrl"])
    verify = subprocess.run(
        [sys.executable, "-m", "bot", "audit", "verify"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    judged = [
        verdicts.one_incident_per_group(incidents, args.groups),
        verdicts.one_room_per_incident(incidents, channels, calls),
        verdicts.alerts_counted(incidents, storm.accepted, args.alerts),
        verdicts.queue_drained(*depth(stack.queue_url), dead[0] + dead[1]),
        verdicts.nudges_not_doubled(incidents, calls, audit, args.nudge_seconds),
        verdicts.assembled_once(audit),
        verdicts.Verdict(
            "audit chains intact (marshal audit verify)",
            verify.returncode == 0,
            (verify.stdout or verify.stderr).strip().splitlines()[-1:][0][:200]
            if (verify.stdout or verify.stderr).strip()
            else f"exit {verify.returncode}",
        ),
    ]
    for verdict in judged:
        print(verdict)
    return judged


def _per(spent: Counter[str], requests: int) -> str:
    total = sum(spent.values())
    detail = ", ".join(f"{op} {n / requests:.2f}" for op, n in sorted(spent.items()))
    return f"{total / requests:.2f} AWS calls per request ({detail or 'none'})"


def _report_storm(storm: Storm, busy: float, cpu: dict[str, float], senders: int) -> None:
    sent = sum(storm.statuses.values())
    print(
        f"storm: {sent} requests ({senders} senders) in {storm.wall:.1f} s, "
        f"{sent / storm.wall:.0f} req/s, p50 {percentile(storm.latencies, 0.5):.1f} ms, "
        f"p99 {percentile(storm.latencies, 0.99):.1f} ms, "
        f"statuses {dict(sorted(storm.statuses.items()))}"
    )
    print(
        f"moto DynamoDB busy {busy:.1f} s of {storm.wall:.1f} s ({busy / storm.wall:.0%}); "
        f"CPU seconds during the storm ({os.cpu_count()} cores, "
        f"{sum(cpu.values()) / storm.wall:.2f} cores busy): "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items())
    )


def _report_calls(by_caller: dict[str, Counter[str]], storm: Storm) -> None:
    print("moto's request log, whole round, by caller:")
    for caller, calls in sorted(by_caller.items()):
        per = ""
        if caller.startswith("webhook-"):
            sent = storm.per_webhook[int(caller.removeprefix("webhook-")) - 1]
            per = f"; per request it took {_per(calls, sent)}"
        top = ", ".join(f"{op} {n}" for op, n in calls.most_common(6))
        print(f"  {caller}: {sum(calls.values())} calls ({top}){per}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=300)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--webhooks", type=int, default=2)
    parser.add_argument("--processors", type=int, default=2)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--nudge-seconds", type=int, default=10)
    parser.add_argument("--nudge-slots", type=int, default=2, help="nudges each room takes")
    default_moto = "items" if per_item_available() else "tables"
    parser.add_argument("--moto", choices=["items", "tables"], default=default_moto)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress as it comes
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, moto "
        f"transactions per {args.moto[:-1]}; uptime: {os.popen('uptime').read().strip()}"
    )
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in sorted({1, args.webhooks}):
            rounds.append(run_round(args, count, Path(tmp) / f"webhooks-{count}"))
    print("\nwebhooks | req/s | p50 ms | p99 ms | moto DynamoDB busy | cores busy | verdicts")
    for r in rounds:
        sent = sum(r.storm.statuses.values())
        print(
            f"{r.webhooks:>8} | {sent / r.storm.wall:5.0f} | "
            f"{percentile(r.storm.latencies, 0.5):6.1f} | "
            f"{percentile(r.storm.latencies, 0.99):6.1f} | "
            f"{r.busy / r.storm.wall:18.0%} | {sum(r.cpu.values()) / r.storm.wall:10.2f} | "
            f"{'all OK' if all(v.ok for v in r.verdicts) else 'FAILED'}"
        )
    if not all(v.ok for r in rounds for v in r.verdicts):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
