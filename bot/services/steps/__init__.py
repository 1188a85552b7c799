"""Resumable steps: the ledger that records each finished step on the incident, and the
runner that the war-room assembly and the resolve flow (and later jobs) share."""
