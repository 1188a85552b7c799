"""Runbook action adapters (one per action kind) and the catalog file reader."""
