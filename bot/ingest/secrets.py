"""Where webhook secrets come from: the `SecretSource` port and its two adapters.

- `EnvSecretSource`: the MARSHAL_SECRET_* settings (read once; a change needs a restart).
- `SecretsManagerSecretSource`: AWS Secrets Manager, secret id `<prefix>webhook/<source>`,
  cached in memory. After a signature mismatch the verifier asks for a refresh; a refresh reads
  Secrets Manager at most once per `min_refresh_interval` per source, so a rotated secret is
  picked up without a restart while a flood of bad signatures cannot hammer Secrets Manager.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from cachetools import TTLCache

from bot.adapters.aws.call_count import count_calls
from bot.domain.errors import BackendUnavailable
from bot.domain.models import AlertSource
from bot.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

log = logging.getLogger(__name__)

WEBHOOK_SOURCES = (
    AlertSource.GRAFANA_ONCALL,
    AlertSource.ALERTMANAGER,
    AlertSource.GRAFANA,
    AlertSource.PAGERDUTY,
    AlertSource.GENERIC,
)


class SecretSource(Protocol):
    def secret_for(self, source: AlertSource) -> str | None:
        """The current secret for `source`, or None when none is configured.
        Raises SecretsUnavailable when the backing store cannot be read and nothing is cached."""

    def refresh(self, source: AlertSource) -> bool:
        """Re-read `source`'s secret now if allowed; True when a re-read happened."""


class SecretsUnavailable(BackendUnavailable):
    """The secret store cannot be read; the HTTP tier answers 503 so the sender retries."""


class EnvSecretSource:
    """Secrets from Settings' SecretStr fields (MARSHAL_SECRET_<SOURCE>)."""

    def __init__(self, settings: Settings) -> None:
        values = {
            AlertSource.GRAFANA_ONCALL: settings.marshal_secret_grafana_oncall,
            AlertSource.ALERTMANAGER: settings.marshal_secret_alertmanager,
            AlertSource.GRAFANA: settings.marshal_secret_grafana,
            AlertSource.PAGERDUTY: settings.marshal_secret_pagerduty,
            AlertSource.GENERIC: settings.marshal_secret_generic,
        }
        self._secrets = {
            source: value.get_secret_value()
            for source, value in values.items()
            if value is not None and value.get_secret_value().strip()
        }

    def secret_for(self, source: AlertSource) -> str | None:
        return self._secrets.get(source)

    def refresh(self, source: AlertSource) -> bool:
        return False  # the environment does not change under a running process


class SecretValueReader(Protocol):
    """The one Secrets Manager call this adapter makes (a boto3 client satisfies it)."""

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, Any]: ...  # noqa: N803


class SecretsManagerSecretSource:
    """Secrets from AWS Secrets Manager; each secret's SecretString is the secret itself."""

    def __init__(
        self,
        client: SecretValueReader,
        prefix: str = "marshal/",
        *,
        min_refresh_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._secrets: dict[AlertSource, str | None] = {}  # kept until a read replaces them
        # the sources read within the interval: a refresh of one of them is refused
        self._recently_read: TTLCache[AlertSource, bool] = TTLCache(
            maxsize=len(AlertSource), ttl=min_refresh_interval, timer=clock
        )
        self._lock = threading.Lock()  # guards both (cachetools is not thread-safe)

    def secret_id(self, source: AlertSource) -> str:
        return f"{self._prefix}webhook/{source.value}"

    def secret_for(self, source: AlertSource) -> str | None:
        with self._lock:
            if source not in self._secrets:
                self._fetch(source)
            return self._secrets[source]

    def refresh(self, source: AlertSource) -> bool:
        with self._lock:
            if source in self._recently_read:
                return False
            self._fetch(source)
            return True

    def _fetch(self, source: AlertSource) -> None:
        secret_id = self.secret_id(source)
        try:
            response = self._client.get_secret_value(SecretId=secret_id)
            text = response.get("SecretString")
            value = text.strip() if isinstance(text, str) and text.strip() else None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code != "ResourceNotFoundException":
                self._keep(source, f"{code or 'ClientError'}", exc)
                return
            value = None  # no such secret: the source stays disabled until it appears
        except BotoCoreError as exc:
            self._keep(source, type(exc).__name__, exc)
            return
        self._secrets[source] = value
        self._recently_read[source] = True

    def _keep(self, source: AlertSource, what: str, exc: Exception) -> None:
        """On a read failure keep serving the cached secret; with none cached, fail loudly."""
        if source not in self._secrets:
            raise SecretsUnavailable(
                f"cannot read secret {self.secret_id(source)} from Secrets Manager ({what})"
            ) from exc
        log.warning(
            "secret refresh failed; keeping the cached one",
            extra={"secret_id": self.secret_id(source), "error": what},
        )
        self._recently_read[source] = True  # wait a full interval before trying again


def secrets_manager_client(region: str) -> SecretsManagerClient:
    """A Secrets Manager client with bounded timeouts and retries (AWS_ENDPOINT_URL honoured)."""
    config = Config(
        connect_timeout=3, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"}
    )
    client = boto3.client("secretsmanager", region_name=region, config=config)
    count_calls(client)
    return client
