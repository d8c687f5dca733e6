"""index processed_events.received_at for housekeeping

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.create_index(batch.f("ix_processed_events_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_index(batch.f("ix_processed_events_received_at"))
