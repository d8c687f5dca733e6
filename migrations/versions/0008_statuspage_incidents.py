"""statuspage_incidents: the status page incident each incident published to

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statuspage_incidents",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=64), nullable=True),
        sa.Column("shortlink", sa.String(length=3000), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("component_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE",
                                name=op.f("fk_statuspage_incidents_incident_id_incidents")),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_statuspage_incidents")),
    )


def downgrade() -> None:
    op.drop_table("statuspage_incidents")
