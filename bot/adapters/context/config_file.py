"""The context file (MARSHAL_CONTEXT_FILE): per team or service, what to ask which source.

    checkout:
      prometheus: {url: http://prom:9090, error_rate: '...', p99_latency: '...', baseline: 1d}
      loki: {url: http://loki:3100, query: '{app="checkout"} |= "error"', limit: 5}
      tempo: {url: http://tempo:3200, tags: 'service.name=checkout status=error', limit: 5}

Read once at start-up; a missing or malformed file stops start-up with one line naming the
variable, rather than opening rooms with a snapshot nobody configured the way they think.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.adapters.context.loki import LokiQuery, LokiSource
from bot.adapters.context.prometheus import PrometheusQueries, PrometheusSource
from bot.adapters.context.tempo import TempoQuery, TempoSource
from bot.adapters.settings_file import load_yaml_setting
from bot.domain.durations import parse_duration
from bot.domain.errors import ConfigurationError
from bot.ports.context import ContextSource

_VARIABLE = "MARSHAL_CONTEXT_FILE"


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value


def _duration(value: object) -> object:
    return timedelta(seconds=parse_duration(str(value))) if isinstance(value, str | int) else value


class _Prometheus(_Source):
    error_rate: str | None = None
    p99_latency: str | None = None
    baseline: timedelta = timedelta(days=1)

    _baseline = field_validator("baseline", mode="before")(_duration)

    @model_validator(mode="after")
    def _something_to_ask(self) -> _Prometheus:
        if not (self.error_rate or self.p99_latency):
            raise ValueError("needs error_rate or p99_latency")
        return self


class _Loki(_Source):
    query: str
    limit: int = Field(default=5, ge=1, le=20)
    since: timedelta = timedelta(minutes=15)

    _since = field_validator("since", mode="before")(_duration)


class _Tempo(_Source):
    tags: str
    limit: int = Field(default=5, ge=1, le=20)
    since: timedelta = timedelta(minutes=15)

    _since = field_validator("since", mode="before")(_duration)


class _Team(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prometheus: _Prometheus | None = None
    loki: _Loki | None = None
    tempo: _Tempo | None = None


class ContextFile:
    """The ContextCatalog from the file: sources bound to each team's queries."""

    def __init__(self, teams: Mapping[str, Sequence[ContextSource]]) -> None:
        self._teams = {name.strip().lower(): list(sources) for name, sources in teams.items()}

    @classmethod
    def load(cls, path: Path, *, timeout: float = 2.0) -> ContextFile:
        data = load_yaml_setting(path, _VARIABLE)
        if data is None:
            return cls({})
        if not isinstance(data, dict):
            raise ConfigurationError(
                f"{_VARIABLE}: {path} must map team or service names to their sources"
            )
        return cls(
            {str(name): _sources(str(name), spec, path, timeout) for name, spec in data.items()}
        )

    def sources_for(self, *names: str) -> Sequence[ContextSource]:
        for name in names:
            sources = self._teams.get(name.strip().lower())
            if sources is not None:
                return list(sources)
        return []

    @property
    def teams(self) -> list[str]:
        return sorted(self._teams)


def _sources(name: str, spec: object, path: Path, timeout: float) -> list[ContextSource]:
    try:
        team = _Team.model_validate(spec if spec is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = first.get("msg", "invalid").removeprefix("Value error, ")
        at = f"{name}.{where}" if where else name
        raise ConfigurationError(f"{_VARIABLE}: {at} in {path}: {message}") from exc
    sources: list[ContextSource] = []
    if team.prometheus:
        p = team.prometheus
        queries = PrometheusQueries(p.url, p.error_rate, p.p99_latency, p.baseline)
        sources.append(PrometheusSource(queries, timeout=timeout))
    if team.loki:
        loki = LokiQuery(team.loki.url, team.loki.query, team.loki.limit, team.loki.since)
        sources.append(LokiSource(loki, timeout=timeout))
    if team.tempo:
        tempo = TempoQuery(team.tempo.url, team.tempo.tags, team.tempo.limit, team.tempo.since)
        sources.append(TempoSource(tempo, timeout=timeout))
    return sources
