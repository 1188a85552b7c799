"""The operator boundary's use cases, shared by the HTTP API (bot/web/api), the MCP server
(bot/mcp) and the console: read models of the incident queue, an incident's detail and its
audit trail (`views.py`, `incident_queue.py`, `incident_detail.py`), and the audited write
entry points (`commands.py`) that run the very subcommands Slack runs.

Nothing here knows HTTP, MCP or Slack; import the module you need, this file imports nothing.
"""
