"""The operator API under /api/v1 (DESIGN.md 3b): bearer tokens, per-token rate limits,
Idempotency-Key on every write, lists as {"items", "next_cursor"}, errors as {"error"}, and an
OpenAPI document generated from the same pydantic models and operation table.

`operations.py` describes an operation; `incidents.py` (and every capability that adds
endpoints, e.g. escalations or follow-ups) is one module listing its operations; `routes.py`
turns the list into Starlette routes behind the guard, and `openapi.py` into the document.
"""
