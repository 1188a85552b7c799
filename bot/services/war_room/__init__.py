"""War-room assembly: from an incident to a staffed, briefed private Slack channel."""
