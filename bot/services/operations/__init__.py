"""Operation runs: preview, confirm, execute exactly once, recover after a crash."""
