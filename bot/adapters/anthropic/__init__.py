"""Anthropic adapter: Claude through the anthropic SDK (the API or Bedrock)."""
