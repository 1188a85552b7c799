"""Block Kit action handlers: parse the click, delegate to a service, answer the clicker."""
