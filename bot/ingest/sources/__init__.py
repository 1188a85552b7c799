"""One module per alert source; each parses its sender's real payload into `Alert`s.

Every module exposes `parse(body, severities) -> list[Alert]` (raw bytes in, PayloadInvalid
out on bad input) and `normalise(payload, severities) -> list[Alert]` over its pydantic model.
The registry that maps `/webhooks/<name>` to a module is bot/ingest/catalog.py.
"""
