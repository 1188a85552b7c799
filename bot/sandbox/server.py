"""`SandboxSlack`: the fake Slack's HTTP + websocket server, run on a background thread.

Uvicorn serves one Starlette app on its own event loop in a daemon thread, bound to a socket
opened here so port 0 (a random free port) is known before `start()` returns:

- `/api/<method>` the Web API, `/socket-mode/<ticket>` Socket Mode, `/response/<id>` response
  URLs, `/control/...` the control API, `/` the page, `/statuspage/v1/...` and `/status` the
  sandbox status page.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from bot.sandbox.call_log import ApiCall, CallLog
from bot.sandbox.control import ControlApi
from bot.sandbox.faults import Faults
from bot.sandbox.page import Page
from bot.sandbox.pager import SandboxPagerDuty
from bot.sandbox.records import User
from bot.sandbox.response_url import ResponseUrls
from bot.sandbox.socket_mode import Delivery, SocketModeHub
from bot.sandbox.state_file import MarkChanges, StateFile
from bot.sandbox.status_page import STATUS_PAGE_FILE, SandboxStatusPage
from bot.sandbox.web_api import Tokens, WebApi
from bot.sandbox.workspace import Workspace

_START_TIMEOUT_SECONDS = 10.0
_PING_SECONDS = 0.5


class SandboxSlack:
    """A local Slack for one app: Web API, Socket Mode, response URLs, control API and a page."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_token: str = "xoxb-sandbox-bot-token",  # noqa: S107 - a fake token for a fake Slack
        app_token: str = "xapp-sandbox-app-token",  # noqa: S107 - likewise
        users: Sequence[User] | None = None,
        ack_timeout: float = 3.0,
        state_path: Path | None = None,
        sock: socket.socket | None = None,
    ) -> None:
        """`state_path`: keep the workspace in this file across restarts (none: in memory);
        `sock`: a socket already bound to host and port."""
        self.host = host
        self.bot_token = bot_token
        self.app_token = app_token
        self._users = list(users) if users is not None else None
        if sock is None:  # else bound by the caller (marshal binds its ports before start-up)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
        self._socket = sock
        self.port: int = self._socket.getsockname()[1]
        self.workspace = Workspace(self._users, base_url=self.url)
        self.state = None if state_path is None else StateFile(state_path, lambda: self.workspace)
        self.restored = self.state.load_into(self.workspace) if self.state else False
        self.status_page = SandboxStatusPage(
            self.url,
            state_path=None if state_path is None else state_path.with_name(STATUS_PAGE_FILE),
        )
        self.hub = SocketModeHub(ack_timeout=ack_timeout)
        self.faults = Faults(self.hub.drop_all)
        self.call_log = CallLog()
        self.pagerduty = SandboxPagerDuty()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every Web API call answered so far (faulted ones included), oldest first."""
        return self.call_log.calls(method)

    def deliveries(self) -> list[Delivery]:
        """Every Socket Mode envelope sent so far, with its ack (or timeout)."""
        return self.hub.deliveries()

    def reset(self) -> None:
        """Back to the default workspace with no calls, deliveries or faults; sockets stay open.
        Ids carry on from the old workspace's, so none is ever handed out twice."""
        fresh = Workspace(self._users, base_url=self.url)
        fresh.next_id = self.workspace.next_id
        if self.state is not None:
            self.state.attach(fresh)
            self.state.changed()
        self.workspace = fresh
        self.call_log.clear()
        self.hub.clear()
        self.faults.clear()

    def _app(self) -> ASGIApp:
        def current() -> Workspace:
            return self.workspace

        web_api = WebApi(
            workspace=current,
            hub=self.hub,
            faults=self.faults,
            calls=self.call_log,
            tokens=Tokens(bot=self.bot_token, app=self.app_token),
            ws_base=lambda: f"ws://{self.host}:{self.port}",
        )
        control = ControlApi(workspace=current, hub=self.hub, calls=self.call_log, reset=self.reset)
        app = Starlette(
            routes=[
                Route("/", Page(current, self.pagerduty.events).endpoint),
                Route("/api/{method}", web_api.endpoint, methods=["GET", "POST"]),
                Route(
                    "/response/{response_id}",
                    ResponseUrls(current, self.call_log).endpoint,
                    methods=["POST"],
                ),
                WebSocketRoute("/socket-mode/{ticket}", self.hub.endpoint),
                *control.routes(),
                *self.status_page.routes(),
                *self.pagerduty.routes(),  # the fake pager (pager.py)
            ]
        )
        return app if self.state is None else MarkChanges(app, self.state.changed)

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("the sandbox is already running")
        config = uvicorn.Config(
            self._app(),
            log_config=None,  # leave the host process's logging alone
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="websockets-sansio",
            # Frequent pings wake slack_sdk's blocking recv (3 s timeout), so a client's
            # close() returns promptly instead of waiting out its read.
            ws_ping_interval=_PING_SECONDS,
            ws_ping_timeout=_PING_SECONDS * 10,
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._server = server

        async def serve() -> None:
            self.hub.loop = asyncio.get_running_loop()
            await server.serve(sockets=[self._socket])

        self._thread = threading.Thread(
            target=asyncio.run, args=(serve(),), name="sandbox-slack", daemon=True
        )
        self._thread.start()
        if self.state is not None:
            self.state.start()
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox Slack did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
        if self.state is not None:
            self.state.stop()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
