"""Escalation policies (MARSHAL_ESCALATION_FILE): who is paged, in which order, how soon.

The model and its validation only, no I/O: `parse_policies` takes what the YAML loader read
and either returns `EscalationPolicies` or raises EscalationFileError with one line naming
the problem (the policy, level or route, and what to write instead), so a bad file stops
start-up and `marshal escalation check FILE` says the same line.

A policy is ordered levels run `repeat + 1` times; the run is a list of steps numbered from
0, step `s` paging level `s % len(levels)` of cycle `s // len(levels)`. A step's `after` is
how long nobody may acknowledge before the next step pages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.durations import DAY, DurationError, parse_duration
from bot.domain.errors import ConfigurationError

MAX_AFTER = DAY  # escalating a page later than a day after it is not escalation
MAX_REPEAT = 10
MAX_LEVELS = 20
MAX_TARGETS = 20
_SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_ADDRESS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+:\-/]{0,127}$")


class EscalationFileError(ConfigurationError):
    """The escalation file is wrong; the message is one line naming what and where."""


class TargetKind(StrEnum):
    PAGERDUTY = "pagerduty"
    OPSGENIE = "opsgenie"
    GRAFANA_ONCALL = "grafana-oncall"
    SLACK = "slack"


@dataclass(frozen=True)
class PageTarget:
    """`kind:address`: a PagerDuty routing key, an Opsgenie team or user, a Grafana OnCall
    user or schedule, a Slack user or user-group id."""

    kind: TargetKind
    address: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.address}"

    @classmethod
    def parse(cls, text: str) -> PageTarget:
        """Raises ValueError naming what is wrong with `text`."""
        kind_text, sep, address = text.strip().partition(":")
        try:
            kind = TargetKind(kind_text.strip().lower())
        except ValueError:
            kinds = ", ".join(f"{k.value}:" for k in TargetKind)
            raise ValueError(
                f"target {text.strip()[:60]!r} must start with one of {kinds}"
            ) from None
        address = address.strip()
        if not sep or not address:
            raise ValueError(f"target {text.strip()[:60]!r} names no {kind.value} address")
        if kind is TargetKind.SLACK and not _SLACK_ID.match(address):
            raise ValueError(
                f"target {text.strip()[:60]!r}: a slack target is a user (U…/W…) "
                "or user-group (S…) id"
            )
        if not _ADDRESS.match(address):
            raise ValueError(f"target {text.strip()[:60]!r} has characters an address cannot have")
        return cls(kind, address)


@dataclass(frozen=True)
class EscalationLevel:
    targets: tuple[PageTarget, ...]
    after_seconds: int


@dataclass(frozen=True)
class EscalationPolicy:
    name: str
    levels: tuple[EscalationLevel, ...]
    repeat: int = 0

    @property
    def step_count(self) -> int:
        return len(self.levels) * (self.repeat + 1)

    def level_of(self, step: int) -> int:
        """The 1-based level number step `step` pages."""
        return step % len(self.levels) + 1

    def cycle_of(self, step: int) -> int:
        return step // len(self.levels)

    def level(self, step: int) -> EscalationLevel:
        return self.levels[step % len(self.levels)]


@dataclass(frozen=True)
class EscalationPolicies:
    policies: Mapping[str, EscalationPolicy]
    routes: Mapping[str, str]  # service or team (lower case) -> policy name
    default: str | None = None

    def for_incident(self, service: str | None, team: str | None) -> EscalationPolicy | None:
        """The policy routed from the service, else the team, else the default."""
        for key in (service, team):
            if key and key.strip().lower() in self.routes:
                return self.policies[self.routes[key.strip().lower()]]
        return self.policies[self.default] if self.default else None

    def named(self, name: str) -> EscalationPolicy | None:
        return self.policies.get(name)


EMPTY = EscalationPolicies(policies={}, routes={}, default=None)


def parse_policies(data: object) -> EscalationPolicies:
    """Validate the YAML document; raises EscalationFileError with one line on a problem."""
    if not isinstance(data, dict):
        raise EscalationFileError("the file must be a mapping with `policies`, `routes`, `default`")
    unknown = sorted(str(k) for k in data if k not in {"policies", "routes", "default"})
    if unknown:
        raise EscalationFileError(
            f"unknown key {unknown[0]!r} (expected policies, routes, default)"
        )
    raw_policies = data.get("policies")
    if not isinstance(raw_policies, dict) or not raw_policies:
        raise EscalationFileError("`policies` must map at least one policy name to its levels")
    policies = {str(name): _policy(str(name), body) for name, body in raw_policies.items()}
    routes = _routes(data.get("routes"), policies)
    default = data.get("default")
    if default is not None and (not isinstance(default, str) or default not in policies):
        raise EscalationFileError(f"`default` names {default!r}, which is not a policy here")
    return EscalationPolicies(policies=policies, routes=routes, default=default)


def _policy(name: str, body: object) -> EscalationPolicy:
    where = f"policy {name!r}"
    if not isinstance(body, dict):
        raise EscalationFileError(f"{where} must be a mapping with `levels` and `repeat`")
    unknown = sorted(str(k) for k in body if k not in {"levels", "repeat"})
    if unknown:
        raise EscalationFileError(f"{where}: unknown key {unknown[0]!r} (expected levels, repeat)")
    levels = body.get("levels")
    if not isinstance(levels, list) or not levels:
        raise EscalationFileError(f"{where}: `levels` must be a list of at least one level")
    if len(levels) > MAX_LEVELS:
        raise EscalationFileError(f"{where}: at most {MAX_LEVELS} levels")
    repeat = body.get("repeat", 0)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 0 <= repeat <= MAX_REPEAT:
        raise EscalationFileError(
            f"{where}: `repeat` must be a whole number from 0 to {MAX_REPEAT}"
        )
    return EscalationPolicy(
        name=name,
        levels=tuple(_level(f"{where} level {i}", level) for i, level in enumerate(levels, 1)),
        repeat=repeat,
    )


def _level(where: str, body: object) -> EscalationLevel:
    if not isinstance(body, dict):
        raise EscalationFileError(f"{where} must be a mapping with `targets` and `after`")
    unknown = sorted(str(k) for k in body if k not in {"targets", "after"})
    if unknown:
        raise EscalationFileError(f"{where}: unknown key {unknown[0]!r} (expected targets, after)")
    targets = body.get("targets")
    if not isinstance(targets, list) or not targets:
        raise EscalationFileError(f"{where}: `targets` must be a list of at least one target")
    if len(targets) > MAX_TARGETS:
        raise EscalationFileError(f"{where}: at most {MAX_TARGETS} targets")
    parsed: list[PageTarget] = []
    for target in targets:
        if not isinstance(target, str):
            raise EscalationFileError(f"{where}: every target is a string like slack:U012ABC")
        try:
            parsed.append(PageTarget.parse(target))
        except ValueError as exc:
            raise EscalationFileError(f"{where}: {exc}") from None
    after = body.get("after")
    if after is None:
        raise EscalationFileError(f"{where}: `after` is missing (e.g. after: 5m)")
    try:
        seconds = parse_duration(str(after), maximum=MAX_AFTER, bare_unit="m")
    except DurationError as exc:
        raise EscalationFileError(f"{where}: `after`: {exc}") from None
    return EscalationLevel(targets=tuple(dict.fromkeys(parsed)), after_seconds=seconds)


def _routes(raw: object, policies: Mapping[str, EscalationPolicy]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise EscalationFileError("`routes` must map service or team names to policy names")
    routes: dict[str, str] = {}
    for key, policy in raw.items():
        if not isinstance(policy, str) or policy not in policies:
            raise EscalationFileError(f"route {key!r} names {policy!r}, which is not a policy here")
        routes[str(key).strip().lower()] = policy
    return routes
