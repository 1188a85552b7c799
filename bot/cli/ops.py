"""`marshal ops preflight|start|list|show`: operation runs from the command line, through the
same services (and so the same tokens, locks, idempotency and audit) as Slack's buttons.

preflight prints the preview and its token; start confirms it with an idempotency key the
caller chooses (a retried `start` with the same key prints the first run, never a second
execution). The actor is `--actor` (default `cli:<login>`); with Slack tokens set, failure
alerts and break-glass notices reach the announce channel as they do from Slack.
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.domain.operation_run import OperationRun, RunReason
    from bot.settings import Settings
    from bot.wiring.operations import Operations

CODES = ("DATA_REPAIR", "INCIDENT", "SUPPORT", "SECURITY")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ops = commands.add_parser("ops", help="preview, start, list and show operation runs")
    actions = ops.add_subparsers(dest="ops_command", metavar="ACTION", required=True)
    preflight = actions.add_parser("preflight", help="preview a runbook; prints its token")
    preflight.add_argument("key", help="the runbook's key")
    preflight.add_argument("params", nargs="*", metavar="param=value")
    _policy_flags(preflight)
    preflight.add_argument("--incident", help="the incident this run is for (its timeline)")
    preflight.add_argument("--json", action="store_true", help="print JSON")
    preflight.set_defaults(handler=run_preflight)
    start = actions.add_parser("start", help="confirm a preview: runs it once")
    start.add_argument("key", help="the runbook's key (must match the preview)")
    start.add_argument("--preview-token", required=True)
    start.add_argument("--idempotency-key", required=True)
    _policy_flags(start)
    start.add_argument("--json", action="store_true", help="print JSON")
    start.set_defaults(handler=run_start)
    listing = actions.add_parser("list", help="operation runs, newest first")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)
    show = actions.add_parser("show", help="one operation run")
    show.add_argument("run", help="the run id, e.g. run-0abc...")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=run_show)


def _policy_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason-code", choices=CODES, help="why: a reason code")
    parser.add_argument("--reason", default="", help="why: free text")
    parser.add_argument("--break-glass", action="store_true", help="override policy holds")
    parser.add_argument("--actor", default=None, help="who runs it (default cli:<login>)")


def _actor(args: argparse.Namespace) -> str:
    return str(args.actor or f"cli:{getpass.getuser()}")


def _reason(args: argparse.Namespace) -> RunReason | None:
    from bot.domain.operation_run import ReasonCode, RunReason  # noqa: PLC0415

    if args.reason_code is None:
        return None
    return RunReason(code=ReasonCode(args.reason_code), text=args.reason)


def _operations(settings: Settings) -> Operations:
    # Loaded when the command runs: `marshal --help` must not pay for the SDKs and wiring.
    from bot.slack.gateway import WebClientSlackGateway, build_web_client  # noqa: PLC0415
    from bot.wiring.operations import build_operations  # noqa: PLC0415
    from bot.wiring.stores import build_audit_log, build_store  # noqa: PLC0415

    slack = None
    if settings.slack_bot_token is not None and not settings.uses_sandbox:
        token = settings.slack_bot_token.get_secret_value()
        slack = WebClientSlackGateway(build_web_client(token, settings.slack_api_url))
    return build_operations(settings, build_audit_log(settings), build_store(settings), slack)


def run_preflight(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.operations.previews import PreflightRequest  # noqa: PLC0415

    params: dict[str, str] = {}
    for pair in args.params:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            print(f"marshal: parameters are name=value, not {pair!r}")
            return 2
        params[name] = value
    operations = _operations(settings)
    preview = operations.previews.preflight(
        PreflightRequest(
            runbook=args.key,
            params=params,
            user_id=_actor(args),
            incident_id=args.incident,
            reason=_reason(args),
            break_glass=args.break_glass,
        )
    )
    if args.json:
        print(preview.model_dump_json(indent=2))
        return 0
    print(f"runbook   {preview.runbook}  scope {preview.scope}")
    print(f"affected  {preview.count} of {preview.total}")
    print(f"targets   {', '.join(preview.targets[:20]) or '-'}")
    for warning in preview.warnings:
        print(f"warning   {warning}")
    print(f"token     {preview.token}  (single use, expires {preview.expires_at:%H:%M:%S} UTC)")
    print(
        f"confirm:  marshal ops start {preview.runbook} --preview-token={preview.token} "
        "--idempotency-key <your key>"
    )
    return 0


def run_start(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.operations.confirmation import Confirmed  # noqa: PLC0415

    operations = _operations(settings)
    shown = operations.runs.get_preview(args.preview_token)
    if shown is not None and shown.runbook != args.key:
        print(f"marshal: that preview is of runbook {shown.runbook}, not {args.key}")
        return 2
    reason = _reason(args)
    if shown is not None and (
        (reason is not None and reason != shown.reason) or args.break_glass != shown.break_glass
    ):
        print("marshal: the reason and --break-glass are set at preflight; preview again")
        return 2
    result = operations.confirmation.confirm(args.preview_token, _actor(args), args.idempotency_key)
    if result.kind is Confirmed.CHANGED:
        assert result.preview is not None
        print(
            "marshal: the targets changed since the preview; nothing ran. New preview token: "
            f"{result.preview.token} ({result.preview.count} affected)"
        )
        return 3
    assert result.run is not None
    if result.kind is Confirmed.DUPLICATE:
        print(f"(idempotency key used before: this is run {result.run.id}, not run again)")
    _print_run(result.run, as_json=args.json)
    return 0 if result.run.outcome.value == "succeeded" else 1


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    runs = _operations(settings).runs.list_runs(limit=max(1, min(args.limit, 500)))
    if args.json:
        print(json.dumps([_shown(r) for r in runs], indent=2))
        return 0
    if not runs:
        print("no operation runs")
        return 0
    for run in runs:
        print(
            f"{run.id}  {run.status.value:<9} {run.outcome.value:<9} {run.runbook}  "
            f"{run.scope}  {run.affected} affected  by {run.confirmed_by}"
        )
    return 0


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    run = _operations(settings).runs.get(args.run)
    if run is None:
        print(f"marshal: no operation run {args.run!r}")
        return 1
    _print_run(run, as_json=args.json)
    return 0


def _shown(run: OperationRun) -> dict[str, Any]:
    shown: dict[str, Any] = run.model_dump(mode="json", exclude={"preview_token"})
    return shown


def _print_run(run: OperationRun, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(_shown(run), indent=2))
        return
    for name, value in _shown(run).items():
        if value not in (None, [], {}):
            print(f"{name:<16}{json.dumps(value) if isinstance(value, dict | list) else value}")
