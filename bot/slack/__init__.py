"""The Slack edge: the Web API gateway adapter, the Bolt app factory and socket-mode runner."""
