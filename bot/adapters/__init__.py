"""Adapters: implementations of the ports in bot/ports for concrete backends."""
