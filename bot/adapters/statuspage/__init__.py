"""Statuspage.io adapter: the REST v1 client (`client.py`) and its request pacing (`pacing.py`)."""
