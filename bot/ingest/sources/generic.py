"""marshal's own generic alert JSON (DESIGN.md section 3) -> one Alert.

Unlike vendor payloads this schema is ours, so it is checked strictly: wrong types and input
over the limits are refused with PayloadInvalid naming the field rather than clipped.
Unknown extra fields are ignored so that an older marshal accepts a newer sender.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from bot.domain.models import Alert, AlertSource, AlertStatus, Link
from bot.domain.severity import Severity
from bot.ingest.errors import PayloadInvalid
from bot.ingest.fields import (
    MAX_DESCRIPTION_CHARS,
    MAX_KEY_CHARS,
    MAX_LABEL_KEY_CHARS,
    MAX_LABEL_VALUE_CHARS,
    MAX_LABELS,
    MAX_LINKS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    bounded_key,
    decode_object,
    is_drill,
    scalar_text,
    severity_from_labels,
)
from bot.ingest.severity_map import DEFAULT_SEVERITY_MAP, SeverityMap

Text = Annotated[StrictStr, Field(min_length=1)]
_HTTP_URL = re.compile(r"https?://[^\s/?#]+[^\s]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
LabelValue = StrictStr | StrictInt | StrictFloat | StrictBool


class GenericLink(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    url: Annotated[StrictStr, Field(min_length=1, max_length=MAX_URL_CHARS)]

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not _HTTP_URL.fullmatch(value):
            raise ValueError("must be an absolute http:// or https:// URL without spaces")
        return value


class GenericAlert(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    dedup_key: Annotated[Text, Field(max_length=MAX_KEY_CHARS)]
    status: Literal["firing", "resolved"]
    title: Annotated[Text, Field(max_length=MAX_TITLE_CHARS)]
    severity: Severity | None = None
    service: Annotated[StrictStr, Field(max_length=200)] | None = None
    team: Annotated[StrictStr, Field(max_length=200)] | None = None
    description: Annotated[StrictStr, Field(max_length=MAX_DESCRIPTION_CHARS)] = ""
    links: Annotated[list[GenericLink], Field(max_length=MAX_LINKS)] = Field(default_factory=list)
    labels: dict[
        Annotated[StrictStr, Field(min_length=1, max_length=MAX_LABEL_KEY_CHARS)], LabelValue
    ] = Field(default_factory=dict)

    @field_validator("dedup_key")
    @classmethod
    def _printable(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return value

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: object) -> object:
        if isinstance(value, str):
            return Severity.parse(value)  # "P1", "p1" and "1" all mean P1
        if isinstance(value, int) and not isinstance(value, bool):
            return Severity.parse(str(value))
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_LABELS:
            raise ValueError(f"at most {MAX_LABELS} labels are allowed, got {len(value)}")
        for key, item in value.items():
            if isinstance(item, str) and len(item) > MAX_LABEL_VALUE_CHARS:
                raise ValueError(f"label {key!r} is longer than {MAX_LABEL_VALUE_CHARS} characters")
        return value


def normalise(
    payload: GenericAlert, severities: SeverityMap, raw: dict[str, Any] | None = None
) -> list[Alert]:
    labels = {k: text for k, v in payload.labels.items() if (text := scalar_text(v)) is not None}
    severity = payload.severity or severity_from_labels(labels, severities) or severities.default
    return [
        Alert(
            source=AlertSource.GENERIC,
            external_id=f"{payload.dedup_key}:{payload.status}",
            group_key=bounded_key("generic", payload.dedup_key),
            status=AlertStatus(payload.status),
            title=payload.title,
            severity=severity,
            service=payload.service or None,
            team=payload.team or None,
            description=payload.description,
            links=[Link(title=link.title, url=link.url) for link in payload.links],
            labels=labels,
            drill=is_drill(labels),
            raw=raw if raw is not None else payload.model_dump(mode="json"),
        )
    ]


def parse(body: bytes, severities: SeverityMap = DEFAULT_SEVERITY_MAP) -> list[Alert]:
    raw = decode_object(body)
    try:
        payload = GenericAlert.model_validate(raw)
    except ValidationError as exc:
        raise PayloadInvalid.from_validation(exc) from None
    return normalise(payload, severities, raw)
