"""The web console under /console: server-rendered pages for the people away from Slack.

Owns the console's routes (app.py), sign-in (one-time login links in login_links.py, OpenID
Connect in oidc.py), signed-cookie sessions and CSRF tokens (sessions.py), the security
headers every answer carries (headers.py), the read side the pages show (queue_view.py,
incident_view.py) and the two actions (actions.py). Templates are Jinja2 with autoescaping on,
under templates/; the one stylesheet is under static/. No JavaScript is needed.
"""
