"""Adapters: implementations of the ports in `bot.ports` on concrete backends."""
