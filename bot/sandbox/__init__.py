"""A local fake Slack (Web API, Socket Mode, response URLs) for tokenless `marshal up` and tests.

Start it with `bot.sandbox.server.SandboxSlack`; drive it from tests and scripts with
`bot.sandbox.control_client.SandboxControl`. This package's `__init__` imports nothing so the
control client stays importable without the server's dependencies.
"""
