"""declaration steps are effects now: drop setup_steps

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

A declaration's Slack side is a chain of effects (bot/effects/declaration.py). An incident
an older version left without a channel (its process died mid-declaration) gets the first
effect of that chain, so the next start finishes it.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    when = storage.types.UTCDateTime(timezone=True)
    incidents = sa.table("incidents", sa.column("id", sa.Integer()), sa.column("reporter_id", sa.String()),
                         sa.column("channel_id", sa.String()), sa.column("status", sa.String()))
    effects = sa.table("effects", sa.column("incident_id", sa.Integer()), sa.column("kind", sa.String()),
                       sa.column("due_at", when), sa.column("attempt_at", when), sa.column("created_at", when),
                       sa.column("late", sa.Boolean()), sa.column("payload", sa.JSON()),
                       sa.column("ordering_key", sa.String()), sa.column("dedupe_key", sa.String()),
                       sa.column("attempts", sa.Integer()), sa.column("tell", sa.String()))
    now = datetime.now(timezone.utc)
    unfinished = bind.execute(sa.select(incidents.c.id, incidents.c.reporter_id).where(
        incidents.c.channel_id.is_(None), incidents.c.status != "Resolved")).all()
    if unfinished:
        op.bulk_insert(effects, [
            dict(incident_id=i, kind="declare.channel", due_at=now, attempt_at=now, created_at=now, late=False,
                 payload={}, ordering_key=f"channel:{i}", dedupe_key=f"declare.channel:{i}", attempts=0,
                 tell=reporter)
            for i, reporter in unfinished
        ])
    op.drop_table("setup_steps")


def downgrade() -> None:
    raise NotImplementedError("setup_steps is not brought back: restore a backup taken before 0009")
