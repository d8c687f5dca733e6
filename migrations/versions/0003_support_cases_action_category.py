"""support cases on the incident; the handbook's action category on actions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("support_cases", sa.Integer(), nullable=True))
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("category", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("category")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("support_cases")
