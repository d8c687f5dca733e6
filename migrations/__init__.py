"""Alembic migrations, applied by `incident-bot run`, `serve` and `db upgrade`."""
