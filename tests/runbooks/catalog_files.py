"""Runbook catalog YAML for the runbook tests, pointed at a fake target server."""

from __future__ import annotations


def http_catalog(target_url: str, *, two_person: bool = False, reason: str = "never") -> str:
    return f"""
runbooks:
  restart-checkout:
    title: Restart checkout pods
    description: Rolling restart of the checkout deployment.
    services: [checkout]
    params: {{cluster: {{type: string, default: prod}}, batch: {{type: integer, default: 2}}}}
    action:
      http:
        preview: {{method: POST, url: "{target_url}/restart/preview", timeout_seconds: 1}}
        execute: {{method: POST, url: "{target_url}/restart", timeout_seconds: 1}}
    lock: "service:checkout:{{cluster}}"
    reason_required: {reason}
    two_person: {str(two_person).lower()}
    break_glass: true
  flush-search:
    title: Flush the search cache
    services: [search]
    action:
      http:
        preview: {{url: "{target_url}/flush/preview"}}
        execute: {{url: "{target_url}/flush"}}
    lock: "service:search"
    reason_required: above:100
"""
