"""Socket Mode: the websocket endpoint, envelope delivery and acks.

`apps.connections.open` issues a ticket URL; the app connects there and gets `hello`. Envelopes
go to one live connection (round-robin, as Slack spreads them), and the sender waits for the
app's ack `{"envelope_id", "payload"?}`. When no ack comes within the ack timeout the delivery is
recorded as timed out and, for `events_api` only, redelivered once with `retry_attempt=1` and
`retry_reason="timeout"`, as Slack does.

Everything async here runs on the sandbox server's event loop; `drop_all` is the one entry point
meant for other threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.sandbox.records import APP_ID

_CONNECT_WAIT_SECONDS = 5.0  # an app reconnecting after a drop gets this long to come back
_GRACEFUL_CLOSE_SECONDS = 0.2  # Slack waits longer; slack_sdk only reads the new socket after it


class NoSocketConnection(Exception):
    """No app is connected over Socket Mode, so nothing can receive the envelope."""


@dataclass
class Delivery:
    envelope_id: str
    type: str
    payload: dict[str, Any]
    retry_attempt: int = 0
    sent_at: float = field(default_factory=time.time)
    acked: bool = False
    ack_ms: float | None = None
    ack_payload: dict[str, Any] | None = None
    timed_out: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _Connection:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.id = uuid.uuid4().hex[:8]
        self._send_lock = asyncio.Lock()

    async def send(self, body: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.websocket.send_text(json.dumps(body))


class SocketModeHub:
    def __init__(self, *, ack_timeout: float = 3.0) -> None:
        self.ack_timeout = ack_timeout
        self.loop: asyncio.AbstractEventLoop | None = None
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._pending: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self._on_ack: dict[str, Callable[[dict[str, Any] | None], None]] = {}
        self._deliveries: list[Delivery] = []
        self._background: set[asyncio.Task[Any]] = set()
        self._turn = 0
        self._lock = threading.Lock()

    # connections ----------------------------------------------------------------------------

    def issue_ticket(self) -> str:
        ticket = secrets.token_urlsafe(16)
        self._tickets.add(ticket)
        return ticket

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    async def endpoint(self, websocket: WebSocket) -> None:
        if websocket.path_params.get("ticket") not in self._tickets:
            await websocket.close(code=1008)
            return
        await websocket.accept()
        connection = _Connection(websocket)
        self._connections.append(connection)
        try:
            await connection.send(
                {
                    "type": "hello",
                    "num_connections": len(self._connections),
                    "debug_info": {"host": "sandbox", "build_number": 1},
                    "connection_info": {"app_id": APP_ID},
                }
            )
            while True:
                self._take_ack(await websocket.receive_text())
        except WebSocketDisconnect:
            pass
        finally:
            if connection in self._connections:
                self._connections.remove(connection)

    def _take_ack(self, text: str) -> None:
        try:
            body = json.loads(text)
        except ValueError:
            return  # Slack ignores frames it cannot read; so does the sandbox
        if not isinstance(body, dict):
            return
        envelope_id = str(body.get("envelope_id"))
        future = self._pending.get(envelope_id)
        if future is not None and not future.done():
            payload = body.get("payload")
            ack = payload if isinstance(payload, dict) else None
            on_ack = self._on_ack.pop(envelope_id, None)
            if on_ack is not None:
                # Slack applies an ack's body as the ack arrives, before anything the app does
                # next (a later Web API call may archive the very channel the reply goes to).
                on_ack(ack)
            future.set_result(ack)

    async def _live_connection(self) -> _Connection:
        deadline = time.monotonic() + _CONNECT_WAIT_SECONDS
        while not self._connections:
            if time.monotonic() > deadline:
                raise NoSocketConnection("no Socket Mode connection")
            await asyncio.sleep(0.02)
        self._turn += 1
        return self._connections[self._turn % len(self._connections)]

    def drop_all(self, graceful: bool = True) -> int:
        """Drop every connection; callable from any thread. Returns how many were open.

        Graceful is what Slack does before rotating a connection: a `disconnect` message (the
        client opens a new connection at once) and a close a little later. Otherwise the socket
        is closed with no warning and the client notices on its next ping check.
        """
        loop = self.loop
        if loop is None or not loop.is_running():
            return 0
        count = len(self._connections)
        coro = self._drop_all(graceful)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._spawn(coro)
        else:
            asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=5)
        return count

    async def _drop_all(self, graceful: bool) -> None:
        for connection in list(self._connections):
            # Out of the rotation at once; acks still arriving on it are still read.
            self._connections.remove(connection)
            if graceful:
                with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
                    await connection.send(
                        {
                            "type": "disconnect",
                            "reason": "refresh_requested",
                            "debug_info": {"host": "sandbox"},
                        }
                    )
                self._spawn(self._close(connection, delay=_GRACEFUL_CLOSE_SECONDS))
            else:
                await self._close(connection, delay=0)

    async def _close(self, connection: _Connection, *, delay: float) -> None:
        await asyncio.sleep(delay)
        with contextlib.suppress(RuntimeError, OSError):
            await connection.websocket.close(code=1001)

    # delivery -------------------------------------------------------------------------------

    async def deliver(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int = 0,
        on_ack: Callable[[dict[str, Any] | None], None] | None = None,
    ) -> Delivery:
        """Sends one envelope and waits for its ack (or the ack timeout); `on_ack` runs with
        the ack's payload the moment it arrives."""
        delivery = Delivery(uuid.uuid4().hex, kind, payload, retry_attempt)
        with self._lock:
            self._deliveries.append(delivery)
        envelope = {
            "envelope_id": delivery.envelope_id,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
            "payload": payload,
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        future: asyncio.Future[dict[str, Any] | None] = asyncio.get_running_loop().create_future()
        self._pending[delivery.envelope_id] = future
        if on_ack is not None:
            self._on_ack[delivery.envelope_id] = on_ack
        started = time.monotonic()
        try:
            await self._send(envelope)
            ack = await asyncio.wait_for(future, self.ack_timeout)
        except TimeoutError:
            delivery.timed_out = True
            if kind == "events_api" and retry_attempt == 0:
                self._spawn(self._deliver_quietly(kind, payload, retry_attempt=1))
            return delivery
        finally:
            self._pending.pop(delivery.envelope_id, None)
            self._on_ack.pop(delivery.envelope_id, None)
        delivery.acked = True
        delivery.ack_ms = round((time.monotonic() - started) * 1000, 3)
        delivery.ack_payload = ack
        return delivery

    async def _send(self, envelope: dict[str, Any]) -> None:
        # A connection may die between being picked and being written to; try the others.
        for _ in range(3):
            connection = await self._live_connection()
            try:
                await connection.send(envelope)
                return
            except (RuntimeError, OSError, WebSocketDisconnect):
                if connection in self._connections:
                    self._connections.remove(connection)
        raise NoSocketConnection("every Socket Mode connection failed")

    def emit(self, kind: str, payload: dict[str, Any]) -> None:
        """Fire-and-forget delivery from code already running on the loop (e.g. Web API events)."""
        self._spawn(self._deliver_quietly(kind, payload))

    async def _deliver_quietly(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0
    ) -> None:
        # Slack drops events when no app is connected; so does the sandbox.
        with contextlib.suppress(NoSocketConnection):
            await self.deliver(
                kind, payload, accepts_response_payload=False, retry_attempt=retry_attempt
            )

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def clear(self) -> None:
        with self._lock:
            self._deliveries.clear()
