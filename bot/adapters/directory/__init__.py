"""Directory adapters: a YAML file, Slack user groups, WorkOS Directory Sync."""
