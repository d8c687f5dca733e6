"""Alertmanager's webhook notifications as Alertmanager sends them (REFERENCE.md)."""
