"""DynamoDraftStore: the DraftStore port on the DynamoDB table `<prefix>drafts`.

Items are keyed by draft id; a global secondary index on (incident_id, created_key)
lists an incident's drafts (the table is declared in bot/adapters/dynamodb/tables.py and
infra/cloudformation.yaml). Every read the gate decides on is a ConsistentRead get; the
conditional update is one PutItem guarded by `version = :v AND #status = :s`. A write that
loses its condition asks for the stored draft in the same call
(ReturnValuesOnConditionCheckFailure=ALL_OLD), so reporting the winner needs no second read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.errors import is_condition_failure, stored_item, translated_errors
from bot.adapters.dynamodb.tables import DRAFTS_BY_INCIDENT_INDEX, TableNames
from bot.domain.draft_lifecycle import check_draft_transition
from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.models import DraftStatus, StatusPageDraft

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb import DynamoDBClient


def _item(draft: StatusPageDraft) -> dict[str, Any]:
    return {
        "id": {"S": draft.id},
        "incident_id": {"S": draft.incident_id},
        "created_key": {"S": f"{draft.created_at.isoformat()}#{draft.id}"},
        "version": {"N": str(draft.version)},
        "status": {"S": draft.status.value},
        "data": {"S": draft.model_dump_json()},
    }


def _draft(item: dict[str, Any]) -> StatusPageDraft:
    return StatusPageDraft.model_validate_json(item["data"]["S"])


class DynamoDraftStore:
    def __init__(self, client: DynamoDBClient, prefix: str) -> None:
        self._client = client
        self._table = TableNames.for_prefix(prefix).drafts

    def add(self, draft: StatusPageDraft) -> StatusPageDraft:
        try:
            with translated_errors(f"saving draft {draft.id}"):
                self._client.put_item(
                    TableName=self._table,
                    Item=_item(draft),
                    ConditionExpression="attribute_not_exists(id)",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            stored = stored_item(exc)
            raise ConcurrentUpdate(
                f"draft {draft.id} already exists", current=_draft(stored) if stored else None
            ) from exc
        return draft

    def get(self, draft_id: str) -> StatusPageDraft | None:
        with translated_errors(f"reading draft {draft_id}"):
            answer = self._client.get_item(
                TableName=self._table, Key={"id": {"S": draft_id}}, ConsistentRead=True
            )
        item = answer.get("Item")
        return _draft(item) if item else None

    def update(
        self,
        draft: StatusPageDraft,
        *,
        expected_version: int,
        expected_status: DraftStatus,
    ) -> StatusPageDraft:
        # the state machine's table is the stores' too: no write skips a step (e.g. to
        # published without a claim), whoever calls
        check_draft_transition(draft.id, expected_status, draft.status)
        written = draft.model_copy(update={"version": expected_version + 1})
        try:
            with translated_errors(f"updating draft {draft.id}"):
                self._client.put_item(
                    TableName=self._table,
                    Item=_item(written),
                    ConditionExpression="attribute_exists(id) AND version = :v AND #status = :s",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={
                        ":v": {"N": str(expected_version)},
                        ":s": {"S": expected_status.value},
                    },
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            stored = stored_item(exc)
            if stored is None:
                raise NotFound(f"draft {draft.id} does not exist") from exc
            current = _draft(stored)
            raise ConcurrentUpdate(
                f"draft {draft.id} is now version {current.version} ({current.status}), "
                f"expected version {expected_version} ({expected_status})",
                current=current,
            ) from exc
        return written

    def list_for_incident(self, incident_id: str) -> list[StatusPageDraft]:
        drafts: list[StatusPageDraft] = []
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": DRAFTS_BY_INCIDENT_INDEX,
            "KeyConditionExpression": "incident_id = :i",
            "ExpressionAttributeValues": {":i": {"S": incident_id}},
        }
        with translated_errors(f"listing drafts of {incident_id}"):
            while True:
                answer = self._client.query(**query)
                drafts.extend(_draft(item) for item in answer.get("Items", []))
                start = answer.get("LastEvaluatedKey")
                if not start:
                    return drafts
                query["ExclusiveStartKey"] = start

    def latest_pending(self, incident_id: str) -> StatusPageDraft | None:
        listed = self.list_for_incident(incident_id)
        # the index may lag: confirm with consistent reads, newest first
        for draft in reversed(listed):
            if draft.status is DraftStatus.PENDING:
                current = self.get(draft.id)
                if current is not None and current.status is DraftStatus.PENDING:
                    return current
        return None
