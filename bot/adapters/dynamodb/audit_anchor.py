"""Where a DynamoDB audit chain's head is anchored, and the conditional write that moves it.

An incident's chain is anchored on the incident's own item (attributes `audit_seq`,
`audit_hash`, `audit_key_id`, `audit_mac`, apart from its `version`, so anchoring never
disturbs the incident's optimistic concurrency). A chain with no incident item (the workspace
chain) is anchored on a head item of its own in the audit table, `head#<chain>` / seq 0.
The write goes in the append's TransactWriteItems, conditioned on the previous head.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.adapters.dynamodb.items import Item, n, number, s, text
from bot.domain.audit import AuditEvent
from bot.domain.audit_anchor import AuditHead

if TYPE_CHECKING:  # stub package: a dev extra, absent from a plain install
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

HEAD_PREFIX = "head#"
HEAD_ATTRIBUTES = "audit_seq, audit_hash, audit_key_id, audit_mac"


def head_item_key(chain_id: str) -> Item:
    return {"incident_id": s(f"{HEAD_PREFIX}{chain_id}"), "seq": n(0)}


@dataclass(frozen=True)
class AnchorTarget:
    """The item that holds (or will hold) one chain's head."""

    table: str
    key: Item
    on_incident: bool


def anchor_write(
    target: AnchorTarget, chain_id: str, head: AuditHead, previous: AuditEvent | None
) -> TransactWriteItemTypeDef:
    """Set the head to `head`, only while it still names `previous` (or nothing yet: a new
    chain, or one written before anchoring existed). On the incident item, only while the
    incident exists, so an update never creates a stray item."""
    values: Item = {
        ":seq": n(head.seq),
        ":hash": s(head.hash),
        ":kid": s(head.key_id),
        ":mac": s(head.mac),
    }
    condition = "attribute_not_exists(audit_seq)"
    if previous is not None:
        condition += " OR (audit_seq = :prev_seq AND audit_hash = :prev_hash)"
        values[":prev_seq"] = n(previous.seq)
        values[":prev_hash"] = s(previous.hash)
    expression = "SET audit_seq = :seq, audit_hash = :hash, audit_key_id = :kid, audit_mac = :mac"
    if target.on_incident:
        condition = f"attribute_exists(pk) AND ({condition})"
    else:
        expression += ", chain_id = :chain"
        values[":chain"] = s(chain_id)
    return {
        "Update": {
            "TableName": target.table,
            "Key": target.key,
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
    }


def head_attributes(head: AuditHead) -> Item:
    """The head as attributes of the item that anchors it, for an item written whole (a new
    incident whose first audit event goes in the same transaction)."""
    return {
        "audit_seq": n(head.seq),
        "audit_hash": s(head.hash),
        "audit_key_id": s(head.key_id),
        "audit_mac": s(head.mac),
    }


def head_of(item: Item | None) -> AuditHead | None:
    """The head anchored on `item`, or None when it holds none."""
    if item is None:
        return None
    seq = number(item, "audit_seq")
    if seq is None:
        return None
    return AuditHead(
        seq=seq,
        hash=text(item, "audit_hash") or "",
        key_id=text(item, "audit_key_id") or "",
        mac=text(item, "audit_mac") or "",
    )
