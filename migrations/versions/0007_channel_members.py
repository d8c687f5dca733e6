"""channel_members: who is in each incident channel, kept from Slack events

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_members",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("joined_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "user_id", name=op.f("pk_channel_members")),
    )
    with op.batch_alter_table("channel_members") as batch:
        batch.create_index(batch.f("ix_channel_members_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("incidents") as batch:
        # NULL: not yet filled from Slack; the housekeeping tick fills it.
        batch.add_column(sa.Column("members_synced_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("members_synced_at")
    with op.batch_alter_table("channel_members") as batch:
        batch.drop_index(batch.f("ix_channel_members_user_id"))
    op.drop_table("channel_members")
