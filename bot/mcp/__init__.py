"""`marshal mcp`: the operator API as a Model Context Protocol server, for AI agents
(`tools.py` what the tools do, `server.py` the SDK's server, its transports and the token).
Read tools by default; the writing ones only with --allow-writes and a write-scoped token.
"""
