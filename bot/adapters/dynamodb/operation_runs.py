"""DynamoOperationRuns: the OperationRuns port as item types of the incidents table.

  OPRUNS             / <run id>   a run (ids sort by time: a query lists newest first)
  OPRUNIDEM#<key>    / IDEM       the idempotency key, naming its run (unique by key)
  OPRUNLOCK#<scope>  / LOCK       the scope lock, naming the active run that holds it
  OPPREVIEW#<token>  / PREVIEW    a preview under its token; `used_by_run` once confirmed

`start` is one TransactWriteItems over the first three and the preview, each guarded by
its condition; which condition failed decides the answer (first run, ScopeLocked,
PreviewUnusable). Completing a run deletes its lock in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.errors import Cancellation, is_condition_failure, translated_errors
from bot.adapters.dynamodb.items import Item, n, required_text, s, text
from bot.adapters.dynamodb.single_table import OnSingleTable
from bot.adapters.dynamodb.tables import TTL_ATTRIBUTE
from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.operation_run import (
    CANCELLED_BY,
    OperationRun,
    PreviewUnusable,
    RunPreview,
    RunStatus,
    ScopeLocked,
)
from bot.ports.runbooks import StartedRun

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

RUNS_PK = "OPRUNS"
_UNUSED_PREVIEW = "attribute_exists(pk) AND attribute_not_exists(used_by_run)"
PREVIEW_KEEP = timedelta(days=1)  # expired previews linger this long, then TTL removes them


def _run_key(run_id: str) -> Item:
    return {"pk": s(RUNS_PK), "sk": s(run_id)}


def _idem_key(key: str) -> Item:
    return {"pk": s(f"OPRUNIDEM#{key}"), "sk": s("IDEM")}


def _lock_key(scope: str) -> Item:
    return {"pk": s(f"OPRUNLOCK#{scope}"), "sk": s("LOCK")}


def _preview_key(token: str) -> Item:
    return {"pk": s(f"OPPREVIEW#{token}"), "sk": s("PREVIEW")}


def _run_item(run: OperationRun) -> Item:
    return {
        **_run_key(run.id),
        "status": s(run.status.value),
        "version": n(run.version),
        "data": s(run.model_dump_json()),
    }


def _run(item: Item) -> OperationRun:
    return OperationRun.model_validate_json(required_text(item, "data"))


class DynamoOperationRuns(OnSingleTable):
    def save_preview(self, preview: RunPreview) -> None:
        expires = int((preview.expires_at + PREVIEW_KEEP).timestamp())
        item: Item = {
            **_preview_key(preview.token),
            "data": s(preview.model_dump_json()),
            TTL_ATTRIBUTE: n(expires),
        }
        if not self._table.put_if_absent(item, f"saving preview for {preview.runbook}"):
            raise ConcurrentUpdate("a preview with that token exists already")

    def get_preview(self, token: str) -> RunPreview | None:
        item = self._table.get_item(_preview_key(token))
        if item is None:
            return None
        preview = RunPreview.model_validate_json(required_text(item, "data"))
        return preview.model_copy(update={"used_by_run": text(item, "used_by_run")})

    def cancel_preview(self, token: str, user_id: str) -> bool:
        with translated_errors("cancelling a preview"):
            try:
                self._table.client.update_item(
                    TableName=self.table,
                    Key=_preview_key(token),
                    UpdateExpression="SET used_by_run = :r",
                    ConditionExpression=_UNUSED_PREVIEW,
                    ExpressionAttributeValues={":r": s(f"{CANCELLED_BY}{user_id}")},
                )
            except ClientError as exc:
                if is_condition_failure(exc):
                    return False
                raise
        return True

    def start(self, run: OperationRun) -> StartedRun:
        first = self._first_run(run.idempotency_key)
        if first is not None:
            return StartedRun(run=first, created=False)
        writes: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {**_idem_key(run.idempotency_key), "run_id": s(run.id)},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {**_lock_key(run.scope), "run_id": s(run.id)},
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _preview_key(run.preview_token),
                    "UpdateExpression": "SET used_by_run = :r",
                    "ConditionExpression": _UNUSED_PREVIEW,
                    "ExpressionAttributeValues": {":r": s(run.id)},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": _run_item(run),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
        reasons = self._table.transact(writes, f"starting run {run.id}")
        if reasons is None:
            return StartedRun(run=run, created=True)
        return self._lost(run, reasons)

    def _lost(self, run: OperationRun, reasons: list[Cancellation]) -> StartedRun:
        idem, lock, preview = (reasons + [Cancellation("None")] * 3)[:3]
        if idem.condition_failed:
            first = self._first_run(run.idempotency_key)
            if first is not None:
                return StartedRun(run=first, created=False)
        if preview.condition_failed:
            used = text(preview.item, "used_by_run") if preview.item else None
            if preview.item is None:
                raise PreviewUnusable("that preview is unknown; run the preview again")
            raise PreviewUnusable("that preview was confirmed already", run_id=used)
        if lock.condition_failed:
            holder = text(lock.item, "run_id") if lock.item else None
            raise ScopeLocked(run.scope, holder or "unknown")
        raise ConcurrentUpdate(f"run {run.id} could not start: {[r.code for r in reasons]}")

    def _first_run(self, idempotency_key: str) -> OperationRun | None:
        claimed = self._table.get_item(_idem_key(idempotency_key))
        if claimed is None:
            return None
        return self.get(required_text(claimed, "run_id"))

    def get(self, run_id: str) -> OperationRun | None:
        item = self._table.get_item(_run_key(run_id))
        return _run(item) if item else None

    def update(self, run: OperationRun, *, expected_version: int) -> OperationRun:
        written = run.model_copy(update={"version": expected_version + 1})
        writes: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": _run_item(written),
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": {":v": n(expected_version)},
                }
            }
        ]
        if written.status is RunStatus.COMPLETED:
            writes.append(
                {
                    "Delete": {
                        "TableName": self.table,
                        "Key": _lock_key(run.scope),
                        "ConditionExpression": "attribute_not_exists(pk) OR run_id = :r",
                        "ExpressionAttributeValues": {":r": s(run.id)},
                    }
                }
            )
        if self._table.transact(writes, f"updating run {run.id}") is None:
            return written
        current = self.get(run.id)
        if current is None:
            raise NotFound(f"run {run.id} does not exist")
        raise ConcurrentUpdate(
            f"run {run.id} is now version {current.version}, expected {expected_version}",
            current=current,
        )

    def list_runs(self, *, limit: int = 50) -> list[OperationRun]:
        items = self._table.query(
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": s(RUNS_PK)},
            ScanIndexForward=False,
            ConsistentRead=True,
            stop_after=limit,
        )
        return [_run(item) for item in items[:limit]]

    def unfinished(self) -> list[OperationRun]:
        items = self._table.query(
            KeyConditionExpression="pk = :p",
            FilterExpression="#st <> :done",
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues={":p": s(RUNS_PK), ":done": s(RunStatus.COMPLETED.value)},
            ConsistentRead=True,
        )
        return [_run(item) for item in items]
