"""DynamoFollowUpStore: the FollowUpStore port in the incidents table, no new table or GSI.

Item types, each under the follow-ups' own pk prefixes (see tables.py's docstring):
  FU#<id>                      / FOLLOWUP           the follow-up (`data`, `version`)
  FUX#status#<status>          / <due>#<id>         by status, soonest due first
  FUX#owner#<owner>            / <status>#<due>#<id> an owner's, by status then due
  FUX#service#<service>        / <status>#<due>#<id> a service's, by status then due
  FUX#incident#<incident id>   / <created>#<id>     an incident's, oldest first
  FUX#created#<YYYY-MM>        / <created>#<id>     made in a month (the digest)
  FUX#closed#<YYYY-MM>         / <closed>#<id>      closed in a month (the digest)
Each index item carries a copy of the follow-up, so every list is one strongly consistent
Query on the base table (no scan, no second read). A write puts the follow-up and its index
items, and deletes the index items it no longer has, in one transaction guarded by the
follow-up's version, so an index never disagrees with the follow-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.errors import cancellation_reasons, translated_errors
from bot.adapters.dynamodb.items import Item, n, required_text, s
from bot.adapters.dynamodb.tables import TableNames
from bot.adapters.listing import time_key
from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.followups import FollowUp, FollowUpStatus

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import PutTypeDef, TransactWriteItemTypeDef

FOLLOWUP = "FOLLOWUP"
IndexKey = tuple[str, str]


def _key(pk: str, sk: str) -> Item:
    return {"pk": s(pk), "sk": s(sk)}


def _main_key(followup_id: str) -> Item:
    return _key(f"FU#{followup_id}", FOLLOWUP)


def _month(moment: datetime) -> str:
    return time_key(moment)[:7]


def index_keys(f: FollowUp) -> set[IndexKey]:
    """Every index item `f` appears under (the layout in the module docstring)."""
    due = f"{time_key(f.due_at)}#{f.id}"
    created = f"{time_key(f.created_at)}#{f.id}"
    keys = {
        (f"FUX#status#{f.status.value}", due),
        (f"FUX#incident#{f.incident_id}", created),
        (f"FUX#created#{_month(f.created_at)}", created),
    }
    if f.owner:
        keys.add((f"FUX#owner#{f.owner}", f"{f.status.value}#{due}"))
    if f.service:
        keys.add((f"FUX#service#{f.service}", f"{f.status.value}#{due}"))
    if f.closed_at:
        keys.add((f"FUX#closed#{_month(f.closed_at)}", f"{time_key(f.closed_at)}#{f.id}"))
    return keys


def _months(start: datetime, end: datetime) -> Iterator[str]:
    year, month = start.year, start.month
    last = _month(end)
    while True:
        label = f"{year:04d}-{month:02d}"
        if label > last:
            return
        yield label
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class DynamoFollowUpStore:
    def __init__(self, client: DynamoDBClient, prefix: str) -> None:
        self._client = client
        self._table = TableNames.for_prefix(prefix).incidents

    def add(self, followup: FollowUp) -> FollowUp:
        self._write(followup, previous=None)
        return followup

    def get(self, followup_id: str) -> FollowUp | None:
        with translated_errors(f"reading follow-up {followup_id}"):
            answer = self._client.get_item(
                TableName=self._table, Key=_main_key(followup_id), ConsistentRead=True
            )
        item = answer.get("Item")
        return FollowUp.model_validate_json(required_text(item, "data")) if item else None

    def update(self, followup: FollowUp, *, expected_version: int) -> FollowUp:
        current = self.get(followup.id)
        if current is None:
            raise NotFound(f"follow-up {followup.id} does not exist")
        if current.version != expected_version:
            raise ConcurrentUpdate(
                f"follow-up {followup.id} is now version {current.version}, "
                f"expected {expected_version}",
                current=current,
            )
        written = followup.model_copy(update={"version": expected_version + 1})
        self._write(written, previous=current)
        return written

    def for_incident(self, incident_id: str) -> list[FollowUp]:
        return self._query(f"FUX#incident#{incident_id}")

    def with_status(self, status: FollowUpStatus, *, limit: int = 1000) -> list[FollowUp]:
        return self._query(f"FUX#status#{status.value}", limit=limit)

    def open_due_before(self, moment: datetime, *, limit: int = 1000) -> list[FollowUp]:
        return self._query(
            f"FUX#status#{FollowUpStatus.OPEN.value}", below=time_key(moment), limit=limit
        )

    def for_owner(self, owner: str, status: FollowUpStatus, *, limit: int = 1000) -> list[FollowUp]:
        return self._query(f"FUX#owner#{owner}", prefix=f"{status.value}#", limit=limit)

    def for_service(
        self, service: str, status: FollowUpStatus, *, limit: int = 1000
    ) -> list[FollowUp]:
        return self._query(f"FUX#service#{service}", prefix=f"{status.value}#", limit=limit)

    def created_between(self, start: datetime, end: datetime) -> list[FollowUp]:
        return self._between("created", start, end)

    def closed_between(self, start: datetime, end: datetime) -> list[FollowUp]:
        return self._between("closed", start, end)

    def _between(self, which: str, start: datetime, end: datetime) -> list[FollowUp]:
        found: list[FollowUp] = []
        for month in _months(start, end):
            found.extend(
                self._query(f"FUX#{which}#{month}", at_least=time_key(start), below=time_key(end))
            )
        return found

    def _write(self, followup: FollowUp, *, previous: FollowUp | None) -> None:
        data = followup.model_dump_json()
        main: Item = {**_main_key(followup.id), "data": s(data), "version": n(followup.version)}
        put: PutTypeDef = {"TableName": self._table, "Item": main}
        if previous is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": n(previous.version)}
        new_keys = index_keys(followup)
        stale = index_keys(previous) - new_keys if previous else set()
        items: list[TransactWriteItemTypeDef] = [{"Put": put}]
        for pk, sk in sorted(new_keys):
            index_item: Item = {**_key(pk, sk), "data": s(data)}
            items.append({"Put": {"TableName": self._table, "Item": index_item}})
        for pk, sk in sorted(stale):
            items.append({"Delete": {"TableName": self._table, "Key": _key(pk, sk)}})
        try:
            with translated_errors(f"writing follow-up {followup.id}"):
                self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = cancellation_reasons(exc)
            if not reasons or not reasons[0].condition_failed:
                raise
            raise ConcurrentUpdate(
                f"follow-up {followup.id} was changed or added by someone else",
                current=self.get(followup.id),
            ) from exc

    def _query(
        self,
        pk: str,
        *,
        prefix: str = "",
        at_least: str | None = None,
        below: str | None = None,
        limit: int = 10_000,
    ) -> list[FollowUp]:
        condition, values = _range(pk, prefix, at_least, below)
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        found: list[FollowUp] = []
        with translated_errors(f"listing follow-ups ({pk})"):
            while len(found) < limit:
                answer = self._client.query(**query, Limit=limit - len(found))
                found.extend(
                    FollowUp.model_validate_json(required_text(item, "data"))
                    for item in answer.get("Items", [])
                )
                start = answer.get("LastEvaluatedKey")
                if not start:
                    break
                query["ExclusiveStartKey"] = start
        return found


def _range(
    pk: str, prefix: str, at_least: str | None, below: str | None
) -> tuple[str, dict[str, Any]]:
    values: dict[str, Any] = {":pk": s(pk)}
    if at_least is not None and below is not None:
        values |= {":lo": s(prefix + at_least), ":hi": s(prefix + below)}
        # BETWEEN is inclusive; `below` is a bare time key, every stored key has `#id` after
        # it, so nothing at exactly `below` can match
        return "pk = :pk AND sk BETWEEN :lo AND :hi", values
    if below is not None and prefix:
        values |= {":lo": s(prefix), ":hi": s(prefix + below)}
        return "pk = :pk AND sk BETWEEN :lo AND :hi", values
    if below is not None:
        values[":hi"] = s(below)
        return "pk = :pk AND sk < :hi", values
    if prefix:
        values[":p"] = s(prefix)
        return "pk = :pk AND begins_with(sk, :p)", values
    return "pk = :pk", values
