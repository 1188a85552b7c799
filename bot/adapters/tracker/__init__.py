"""Tracker adapters: Linear issues, or markdown files in MARSHAL_POSTMORTEM_DIR."""
