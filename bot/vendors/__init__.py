"""Thin edges to the vendors outside Slack: one module per vendor, the only caller of it."""
