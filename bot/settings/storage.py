"""Storage and queue settings: the store and queue backends and their knobs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class StorageSettings(BaseModel):
    """Storage and queue: the store and queue backends and their knobs."""

    marshal_store: Literal["sqlite", "dynamodb"] = "sqlite"
    marshal_db_path: Path = Path("var/marshal.db")
    marshal_queue: Literal["local", "sqs"] = "local"
    marshal_table_prefix: str = "marshal-"
    marshal_queue_url: str | None = None
    marshal_queue_max_receives: int = Field(default=5, ge=1, le=1000)
    # A received event stays hidden this long; the consumer's heartbeat renews it every third of
    # it while the handler runs. It is also how soon a crashed processor's events come back on SQS.
    marshal_queue_visibility_seconds: int = Field(default=60, ge=3, le=43200)
    aws_region: str = Field(default="us-east-1", alias="AWS_DEFAULT_REGION")
