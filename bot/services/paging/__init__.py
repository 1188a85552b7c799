"""Paging and escalation: wake the on-call, escalate, keep the pagers in sync."""
