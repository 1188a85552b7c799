"""GitHub adapter: recent commits and deployments (the ChangeHistory port)."""
