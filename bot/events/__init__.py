"""Queue events: one module per event type, each registered in one `EventRegistry` line.

`registry.py` maps event types to handlers; `consumer.py` receives from the queue and
dispatches. Handlers for each event type live in their own modules beside them.
"""
