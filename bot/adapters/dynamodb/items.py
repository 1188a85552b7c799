"""Low-level DynamoDB attribute values: building and reading the typed `{"S": ...}` maps."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

# A string alias: evaluating it at run time would need the stub package.
Item: TypeAlias = "dict[str, AttributeValueTypeDef]"


def s(value: str) -> AttributeValueTypeDef:
    return {"S": value}


def n(value: int) -> AttributeValueTypeDef:
    return {"N": str(value)}


def text(item: Item, name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if value else None


def number(item: Item, name: str) -> int | None:
    value = item.get(name)
    raw = value.get("N") if value else None
    return int(raw) if raw is not None else None


def required_text(item: Item, name: str) -> str:
    value = text(item, name)
    if value is None:
        raise KeyError(f"DynamoDB item {item.get('pk')} has no string attribute {name!r}")
    return value
