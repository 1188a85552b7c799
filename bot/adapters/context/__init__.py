"""Context sources for the war room's snapshot: Prometheus, Loki and Tempo, and their file."""
