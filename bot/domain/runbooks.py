"""The runbook catalog: what a runbook is (DESIGN.md 3b), how its file is validated, and how
the parameters a person typed become the typed values an action receives.

Plain data and rules, no I/O: the YAML text is parsed here, reading the file is the caller's.
Every problem is a RunbookCatalogError (or RunbookInputError for a person's input) with one
line that names the runbook and the field.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.domain.errors import MarshalError

_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_SCOPE_PARAM = re.compile(r"\{([a-z0-9_]+)\}")


class RunbookCatalogError(MarshalError):
    """The catalog file is wrong; the message is one line naming the problem."""


class RunbookInputError(MarshalError):
    """What a person asked for does not fit the runbook (unknown key, bad parameter)."""


class ParamType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"


ParamValue = str | int | float | bool


class RunbookParam(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ParamType = ParamType.STRING
    default: ParamValue | None = None
    description: str = ""

    def coerce(self, name: str, raw: object) -> ParamValue:
        text = str(raw).strip()
        try:
            match self.type:
                case ParamType.INTEGER:
                    return int(text)
                case ParamType.NUMBER:
                    return float(text)
                case ParamType.BOOLEAN:
                    return _boolean(text)
                case ParamType.STRING:
                    return text
        except ValueError as exc:
            raise RunbookInputError(f"parameter {name} must be {self.type.value}") from exc


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in {"true", "yes", "1", "on"}:
        return True
    if lowered in {"false", "no", "0", "off"}:
        return False
    raise ValueError(text)


HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class HttpRequestSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    method: HttpMethod = "POST"
    url: str
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


class HttpAction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    preview: HttpRequestSpec
    execute: HttpRequestSpec


_INSTANCE_ID = re.compile(r"^m?i-[0-9a-f]{1,17}$")  # EC2 (i-) and hybrid managed (mi-) ids
_TAG_TARGET = re.compile(r"^tag:([^=,\s][^=]{0,127})=(.+)$")
MAX_TAG_TARGETS = 5  # SendCommand's Targets limit
MAX_TAG_VALUES = 50  # values per target


class SsmAction(BaseModel):
    """SSM Run Command: `SendCommand` of `document` to instance ids (`i-0abc`) or to tag
    targets (`tag:Name=web,api`: SendCommand's `Targets` Key=tag:Name, Values=[web, api]),
    not both; each invocation polled until it is done or `timeout_seconds` pass."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str = Field(min_length=1)
    targets: list[str] = Field(min_length=1)
    parameters: dict[str, list[str]] = Field(default_factory=dict)
    timeout_seconds: float = Field(default=300.0, gt=0, le=3600)
    poll_seconds: float = Field(default=2.0, gt=0, le=60)

    @field_validator("targets")
    @classmethod
    def _instances_or_tags(cls, targets: list[str]) -> list[str]:
        tags = [t for t in targets if t.startswith("tag:")]
        if tags and len(tags) != len(targets):
            raise ValueError("name instance ids or tag targets, not both (SSM takes one kind)")
        if len(tags) > MAX_TAG_TARGETS:
            raise ValueError(f"at most {MAX_TAG_TARGETS} tag targets")
        for target in targets:
            if tags:
                _tag_target(target)
            elif not _INSTANCE_ID.match(target):
                raise ValueError(
                    f"target {target!r} is neither an instance id (i-0abc) nor a tag "
                    f"target (tag:Name=value)"
                )
        return targets

    @property
    def tag_targets(self) -> list[dict[str, str | list[str]]]:
        """SendCommand `Targets` (empty: the targets are instance ids)."""
        found = [_tag_target(t) for t in self.targets if t.startswith("tag:")]
        return [{"Key": f"tag:{key}", "Values": values} for key, values in found]


def _tag_target(text: str) -> tuple[str, list[str]]:
    matched = _TAG_TARGET.match(text)
    values = [v.strip() for v in matched.group(2).split(",")] if matched else []
    if matched is None or not all(values):
        raise ValueError(f"tag target {text!r} must read tag:<key>=<value>[,<value>...]")
    if len(values) > MAX_TAG_VALUES:
        raise ValueError(f"tag target {text!r} has more than {MAX_TAG_VALUES} values")
    return matched.group(1).strip(), values


class ActionKind(StrEnum):
    HTTP = "http"
    AWS_SSM = "aws-ssm"


class RunbookActionSpec(BaseModel):
    """Exactly one action kind; a new kind is one field here and one adapter."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    http: HttpAction | None = None
    aws_ssm: SsmAction | None = Field(default=None, alias="aws-ssm")

    @model_validator(mode="after")
    def _exactly_one(self) -> RunbookActionSpec:
        kinds = [k for k in (self.http, self.aws_ssm) if k is not None]
        if len(kinds) != 1:
            raise ValueError("name exactly one action kind: http or aws-ssm")
        return self

    @property
    def kind(self) -> ActionKind:
        return ActionKind.HTTP if self.http is not None else ActionKind.AWS_SSM


class ReasonRule(BaseModel):
    """`always`, `never`, or `above:<N>` (a reason once more than N targets are affected)."""

    model_config = ConfigDict(frozen=True)

    above: int | None = None  # None with `always` False means never
    always: bool = False

    @classmethod
    def parse(cls, value: object) -> ReasonRule:
        text = str(value).strip().lower()
        if text == "always":
            return cls(always=True)
        if text == "never":
            return cls()
        head, _, count = text.partition(":")
        if head == "above" and count.isdigit():
            return cls(above=int(count))
        raise ValueError("reason_required must be always, never or above:<affected count>")

    def requires(self, affected: int) -> bool:
        return self.always or (self.above is not None and affected > self.above)

    def __str__(self) -> str:
        if self.always:
            return "always"
        return f"above:{self.above}" if self.above is not None else "never"


class Runbook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    services: list[str] = Field(default_factory=list)
    params: dict[str, RunbookParam] = Field(default_factory=dict)
    action: RunbookActionSpec
    lock: str = Field(min_length=1)
    reason_required: ReasonRule = Field(default_factory=lambda: ReasonRule(always=True))
    two_person: bool = False
    break_glass: bool = False

    @field_validator("reason_required", mode="before")
    @classmethod
    def _reason(cls, value: object) -> ReasonRule:
        return value if isinstance(value, ReasonRule) else ReasonRule.parse(value)

    @model_validator(mode="after")
    def _scope_names_params(self) -> Runbook:
        for name in _SCOPE_PARAM.findall(self.lock):
            if name not in self.params:
                raise ValueError(f"lock names {{{name}}}, which is not one of its params")
        for name, param in self.params.items():
            if param.default is not None:
                try:
                    param.coerce(name, param.default)
                except RunbookInputError as exc:
                    raise ValueError(f"default of {exc}") from exc
        return self

    def applies_to(self, service: str | None) -> bool:
        """No services listed: every room's; else only the rooms of those services."""
        return not self.services or (service or "").lower() in {s.lower() for s in self.services}

    def parameters(self, given: dict[str, str]) -> dict[str, ParamValue]:
        """The typed parameters: every declared one, from `given` or its default."""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            known = ", ".join(sorted(self.params)) or "none"
            raise RunbookInputError(f"unknown parameter {unknown[0]} (this runbook takes: {known})")
        values: dict[str, ParamValue] = {}
        for name, param in self.params.items():
            if name in given:
                values[name] = param.coerce(name, given[name])
            elif param.default is not None:
                values[name] = param.coerce(name, param.default)
            else:
                raise RunbookInputError(f"parameter {name} is required ({param.type.value})")
        return values

    def scope(self, params: dict[str, ParamValue]) -> str:
        """The lock scope with `{param}` filled in, e.g. `service:checkout:prod`."""
        return _SCOPE_PARAM.sub(lambda m: str(params[m.group(1)]), self.lock)


class RunbookCatalog(BaseModel):
    model_config = ConfigDict(frozen=True)

    runbooks: dict[str, Runbook] = Field(default_factory=dict)

    def get(self, key: str) -> Runbook:
        runbook = self.runbooks.get(key)
        if runbook is None:
            raise RunbookInputError(f"no runbook {key!r} in the catalog")
        return runbook

    def for_service(self, service: str | None) -> list[Runbook]:
        return [r for r in self.runbooks.values() if r.applies_to(service)]


def parse_catalog(text: str, *, source: str = "runbook file") -> RunbookCatalog:
    """The catalog in `text` (YAML), or RunbookCatalogError with one line naming the problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise RunbookCatalogError(f"{source} is not valid YAML ({problem})") from exc
    if data is None:
        return RunbookCatalog()
    if not isinstance(data, dict) or not isinstance(data.get("runbooks", {}), dict):
        raise RunbookCatalogError(f"{source} must be a mapping with a `runbooks:` mapping")
    unknown = sorted(set(data) - {"runbooks"})
    if unknown:
        raise RunbookCatalogError(f"{source}: unknown top-level key {unknown[0]!r}")
    runbooks: dict[str, Runbook] = {}
    for key, body in (data.get("runbooks") or {}).items():
        runbooks[str(key)] = _runbook(str(key), body, source)
    return RunbookCatalog(runbooks=runbooks)


def _runbook(key: str, body: Any, source: str) -> Runbook:
    if not _KEY.match(key):
        raise RunbookCatalogError(
            f"{source}: runbook key {key!r} must be lower-case letters, digits, '-', '_' or '.'"
        )
    if not isinstance(body, dict):
        raise RunbookCatalogError(f"{source}: runbook {key} must be a mapping")
    try:
        return Runbook.model_validate({**body, "key": key})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        at = f".{where}" if where else ""
        raise RunbookCatalogError(f"{source}: runbook {key}{at}: {message}") from exc
