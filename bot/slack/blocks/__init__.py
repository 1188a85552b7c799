"""Block Kit for every message and modal marshal posts: one module per kind, built from
slack_sdk's typed models and turned into dicts at the edge (bot/slack/blocks/render.py).

Views come in as plain data (bot/ports/slack_views.py); outside text is escaped here,
through bot/services/slack_text.py, and nowhere else needs to think about Block Kit.
"""
