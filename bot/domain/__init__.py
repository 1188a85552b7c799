"""The incident domain: pydantic models and rules that know nothing of Slack, AWS or HTTP."""
