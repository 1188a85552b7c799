"""botocore settings shared by the DynamoDB and SQS clients: timeouts, retries, pool size.

A client's connection pool must hold one connection per thread that may call it at once, or
every extra caller opens and throws away its own connection ("Connection pool is full").
The web server runs at most `threads` webhook requests at a time; the processor's consumer,
scheduler and relay threads share the same clients, hence the margin.
"""

from __future__ import annotations

from botocore.config import Config

BACKGROUND_THREADS = 16  # consumer workers, scheduler jobs, outbox relay, readiness checks


def client_config(
    *, threads: int, connect_timeout: float, read_timeout: float, max_attempts: int = 3
) -> Config:
    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "max_attempts": max_attempts},
        max_pool_connections=max(10, threads + BACKGROUND_THREADS),
    )
