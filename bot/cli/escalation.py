"""`marshal escalation check FILE`: validate an escalation file without starting marshal.

Exit 0 with a one-line summary per policy; exit 2 with the same one line start-up would
print (`marshal: configuration error: ...`, from bot/cli/__init__.py) for a bad file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.domain.durations import describe_limit

if TYPE_CHECKING:
    from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("escalation", help="escalation policies (paging)")
    sub = group.add_subparsers(dest="escalation_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="validate an escalation file (MARSHAL_ESCALATION_FILE)")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapters.pagers.escalation_file import load_escalation_file  # noqa: PLC0415

    policies = load_escalation_file(args.file)  # ConfigurationError -> one line, exit 2
    for name, policy in policies.policies.items():
        levels = " -> ".join(
            f"[{', '.join(map(str, level.targets))}] after {describe_limit(level.after_seconds)}"
            for level in policy.levels
        )
        print(f"policy {name}: {levels}; repeat {policy.repeat}")
    routes = ", ".join(f"{k} -> {v}" for k, v in policies.routes.items()) or "none"
    print(f"routes: {routes}; default: {policies.default or 'none'}")
    print(f"marshal: {args.file} is a valid escalation file")
    return 0
