"""`marshal up`, `marshal webhook`, `marshal processor`: the long-running entry points.

Each builds its parts in order, says where they listen, and runs until SIGINT/SIGTERM, then
stops within 5 seconds: the web server first, so nothing new is accepted while it drains.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.domain.errors import BackendUnavailable, ConfigurationError

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger("marshal")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, summary in (
        ("up", "everything in one process: web server, consumer, scheduler, Slack app"),
        ("webhook", "the ingress web server alone"),
        ("processor", "the Slack app, queue consumer and scheduler alone"),
    ):
        commands.add_parser(name, help=summary).set_defaults(handler=serve, parts=name)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    # Loaded when the command runs: `marshal --help` must not pay for the AWS SDK and wiring.
    from bot.observability.logs import configure_logging  # noqa: PLC0415
    from bot.wiring.backends import open_backends  # noqa: PLC0415
    from bot.wiring.ingress import start_outbox_relay, start_web  # noqa: PLC0415
    from bot.wiring.listen import bind_listeners  # noqa: PLC0415
    from bot.wiring.process import ProcessGroup  # noqa: PLC0415
    from bot.wiring.processor import start_processor  # noqa: PLC0415
    from bot.wiring.startup_summary import Started, summary_lines  # noqa: PLC0415
    from bot.wiring.write_side import writing_side  # noqa: PLC0415

    configure_logging(settings.marshal_log_level)
    group = ProcessGroup()
    group.catch_signals()
    try:
        # The ports first: a taken one stops start-up before anything consumes or connects.
        listeners = bind_listeners(settings, args.parts)
        group.started("listeners", listeners.close)
        backends = open_backends(settings)
        group.started("backends", backends.close)
        # Processors write outbox events too (a resolve and its INCIDENT_RESOLVED), so every
        # part sweeps the outbox; the queue dedups on event id when two relays send one event.
        start_outbox_relay(group, backends)
        started = Started(args.parts)
        room_link = None
        processor = None
        if args.parts in ("up", "processor"):
            processor = start_processor(group, settings, backends, listeners=listeners)
            started = replace(
                started,
                sandbox_url=processor.sandbox_url,
                statuspage_url=processor.statuspage_url
                if settings.statuspage_api_key is None
                else None,
            )
            if processor.sandbox_url:
                print(f"marshal: sandbox Slack at {processor.sandbox_url} (open it in a browser)")
                room_link = f"{processor.sandbox_url}/#"
            if started.statuspage_url:
                print(f"marshal: sandbox status page at {started.statuspage_url}")
        if args.parts in ("up", "webhook"):
            writes = processor.writes if processor else None
            if writes is None and settings.slack_bot_token is not None:
                writes = writing_side(settings, backends)  # webhook alone: its own Slack client
            web = start_web(
                group,
                settings,
                backends,
                listeners=listeners,
                room_link=room_link,
                writes=writes,
            )
            started = replace(started, web_url=web.url)
            print(f"marshal: listening on {web.url} (webhooks at {web.url}/webhooks/<source>)")
            print(
                f"marshal: web console at {web.url}/console/ "
                "(sign in: marshal console login-link --user <Slack user id>)"
            )
        print("\n".join(summary_lines(settings, started)))
        print(f"marshal: {args.parts} is running; Ctrl-C to stop", flush=True)
        group.wait()
    except (ConfigurationError, BackendUnavailable) as exc:
        print(f"marshal: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"marshal: cannot start: {exc}", file=sys.stderr)
        return 2
    finally:
        group.stop()
    print("marshal: stopped", flush=True)
    return 0
