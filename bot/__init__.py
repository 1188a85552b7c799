"""marshal: a Slack-first incident-commander bot."""

__version__ = "0.1.0"
