"""Pager adapters: PagerDuty (Events API v2 and REST), Opsgenie, Grafana OnCall, Slack DM."""
