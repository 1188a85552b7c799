"""Wiring: choose and build the adapters named by the settings. Entry points call this."""
