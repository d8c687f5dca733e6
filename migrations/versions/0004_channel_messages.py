"""channel_messages: messages seen in incident channels

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("from_bot", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=True),
        sa.Column("posted_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("edited_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("deleted_at", storage.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_messages")),
        sa.UniqueConstraint("channel_id", "ts", name="uq_channel_messages_channel_ts"),
    )
    op.create_index("ix_channel_messages_posted_at", "channel_messages", ["posted_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_channel_messages_posted_at", table_name="channel_messages")
    op.drop_table("channel_messages")
