"""index incidents.declared_at for /incident stats

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.create_index(batch.f("ix_incidents_declared_at"), ["declared_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index(batch.f("ix_incidents_declared_at"))
