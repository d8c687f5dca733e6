"""Block Kit builders: pure functions from plain values to Slack view and message dicts."""
