"""The status-page approval gate: the only code that may write to the public status page."""
