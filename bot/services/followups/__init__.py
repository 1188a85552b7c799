"""Follow-ups: adding and closing them, listing them, and the release gate on overdue ones."""
