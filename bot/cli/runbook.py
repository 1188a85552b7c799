"""`marshal runbook check FILE`: validate a runbook catalog before deploying it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    runbook = commands.add_parser("runbook", help="check a runbook catalog file")
    actions = runbook.add_subparsers(dest="runbook_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate FILE; one line names the first problem")
    check.add_argument("file", type=Path, help="the runbook YAML (as MARSHAL_RUNBOOK_FILE)")
    check.set_defaults(handler=check_file)


def check_file(args: argparse.Namespace, _settings: Settings) -> int:
    from bot.adapters.runbooks.catalog_file import load_runbook_catalog  # noqa: PLC0415
    from bot.domain.errors import ConfigurationError  # noqa: PLC0415

    try:
        catalog = load_runbook_catalog(args.file, variable="")
    except ConfigurationError as exc:
        print(f"marshal: {exc}")
        return 1
    for runbook in catalog.runbooks.values():
        services = ", ".join(runbook.services) or "every service"
        print(f"{runbook.key}: {runbook.action.kind.value}, lock {runbook.lock}, {services}")
    print(f"ok: {len(catalog.runbooks)} runbook(s) in {args.file}")
    return 0
