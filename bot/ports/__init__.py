"""Ports: the Protocols services depend on. Adapters in `bot.adapters` implement them."""
