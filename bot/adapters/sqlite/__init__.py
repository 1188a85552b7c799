"""SQLite adapters for the embedded deployment: one database file, WAL mode."""
