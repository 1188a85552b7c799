"""The HTTP tier: webhooks, health and metrics on one Starlette app served by uvicorn."""
