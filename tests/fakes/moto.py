"""moto's server with DynamoDB requests applied one at a time, over real HTTP on port 0.

moto's DynamoDB transactions snapshot and restore whole tables, so two requests interleaving
inside moto would lose writes that real DynamoDB keeps. Serialising them gives the per-item
atomicity real DynamoDB has; the clients' own read/condition/retry races still interleave.
`only` picks which requests are serialised: all of them (the contract suite), or just
DynamoDB's, so an SQS long poll does not hold every other client up (the multi-process tests).

The whole-table snapshot also makes every transaction cost time in proportion to the tables
it touches (a deep copy of each), where DynamoDB's cost is per item: a suite or benchmark
that stores a few thousand items ends up measuring moto's copying. `per_item_transactions`
snapshots only the items a transaction names and restores just those when it is cancelled,
which is exact once DynamoDB requests are serialised (nothing else can touch them meanwhile),
so the serialised server installs it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from mypy_boto3_dynamodb import DynamoDBClient
from mypy_boto3_sqs import SQSClient
from werkzeug.serving import make_server

Environ = dict[str, Any]


def every_request(_environ: Environ) -> bool:
    return True


def dynamodb_requests(environ: Environ) -> bool:
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB_")


class OneRequestAtATime:
    def __init__(
        self, app: Callable[..., Iterable[bytes]], only: Callable[[Environ], bool] = every_request
    ) -> None:
        self._app = app
        self._only = only
        self._lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> list[bytes]:
        if not self._only(environ):
            return self._respond(environ, start_response)
        with self._lock:
            return self._respond(environ, start_response)

    def _respond(self, environ: Environ, start_response: Callable[..., Any]) -> list[bytes]:
        body = self._app(environ, start_response)
        try:
            return list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()


class _TablesNotCopied:
    """Stands in for the `copy` module inside moto's DynamoDB models: a Table is "copied" as
    itself (the per-item snapshot below is the real one), everything else as before."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


_installed = threading.Lock()


def per_item_transactions() -> None:
    """Make moto's TransactWriteItems snapshot and restore only the items it names (see the
    module docstring), for every moto server in this process. Exact while DynamoDB requests
    are serialised; unserialised, still better than moto's own rollback, which puts back
    whole tables over other clients' writes. Idempotent."""
    backend = dynamodb_models.DynamoDBBackend
    with _installed:
        if getattr(backend, "_marshal_per_item", False):
            return
        whole_tables = backend.transact_write_items

        def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
            snapshots = [_snapshot(self, op) for item in transact_items for op in item.values()]
            try:
                whole_tables(self, transact_items)
            except Exception:
                for table, hash_key, range_key, stored in reversed(snapshots):
                    _restore(table, hash_key, range_key, stored)
                raise

        setattr(dynamodb_models, "copy", _TablesNotCopied)  # noqa: B010 - not exported by moto
        backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
        backend._marshal_per_item = True  # type: ignore[attr-defined]


def _snapshot(backend: Any, op: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    table = backend.tables.get(op.get("TableName"))
    if table is None:
        return None, None, None, None
    attrs = op.get("Key") or op.get("Item") or {}
    key = {table.hash_key_attr: attrs.get(table.hash_key_attr)}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs.get(table.range_key_attr)
    if any(value is None for value in key.values()):
        return None, None, None, None  # moto refuses it below; nothing to restore
    hash_key, range_key = backend.get_keys_value(table, key)
    return table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))


def _restore(table: Any, hash_key: Any, range_key: Any, stored: Any) -> None:
    if table is None:
        return
    if stored is None:
        table.delete_item(hash_key, range_key)
    elif range_key is not None:
        table.items[hash_key][range_key] = stored
    else:
        table.items[hash_key] = stored


@contextmanager
def serialised_moto(only: Callable[[Environ], bool] = every_request) -> Iterator[str]:
    """Run moto's server; yields its URL."""
    per_item_transactions()  # sound: either way, DynamoDB requests are serialised
    with serving(OneRequestAtATime(DomainDispatcherApplication(create_backend_app), only)) as url:
        yield url


@contextmanager
def serving(app: Callable[..., Iterable[bytes]]) -> Iterator[str]:
    """`app` (moto's, wrapped) on a threaded server on a free loopback port; yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def moto_dynamodb(url: str, *, caller: str = "testing") -> DynamoDBClient:
    """A DynamoDB client of moto's server at `url`; `caller` is its access key id, which
    moto's request log (tests/fakes/moto_request_log.py) counts calls by."""
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=caller,
        aws_secret_access_key="testing",
    )


def moto_sqs(url: str, *, caller: str = "testing") -> SQSClient:
    """An SQS client of moto's server at `url` (`caller`: see `moto_dynamodb`)."""
    return boto3.client(
        "sqs",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=caller,
        aws_secret_access_key="testing",
    )
