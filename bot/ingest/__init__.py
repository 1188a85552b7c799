"""Alert ingestion: signature checks, per-source payload parsing and normalisation to `Alert`.

Pure code with no web server: the HTTP tier calls `AlertReception` (bot/ingest/intake.py).
"""
