"""SQLite adapters: the embedded, one-machine backends sharing one database file (WAL)."""
