"""Slash subcommands, one per module, dispatched through `CommandRegistry`."""
