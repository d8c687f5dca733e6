"""effects: the nags table grown into the outbox of every outside effect

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Reminders were the first effects: their rows move over with their history (sent, late,
claims). The unique (incident, kind, due_at) key becomes the `dedupe_key` column, filled
with the same three values, so a reminder planned again after the upgrade is not sent twice.
"""

from __future__ import annotations

from datetime import timezone

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def reminder_key(incident_id: int, kind: str, due_at) -> str:  # type: ignore[no-untyped-def]
    # The same text storage.effects.reminder_key builds (kept here: migrations do not import app code).
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=timezone.utc)
    return f"{incident_id}:{kind}:{due_at.astimezone(timezone.utc).isoformat()}"


def upgrade() -> None:
    when = storage.types.UTCDateTime(timezone=True)
    effects = op.create_table(
        "effects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("due_at", when, nullable=False),
        sa.Column("attempt_at", when, nullable=False),
        sa.Column("recipient_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("claimed_at", when, nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", when, nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("ordering_key", sa.String(length=128), nullable=True),
        sa.Column("dedupe_key", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("tell", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_effects_incident_id_incidents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effects")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_effects_dedupe_key")),
    )
    with op.batch_alter_table("effects") as batch:
        batch.create_index("ix_effects_pending", ["attempt_at"], unique=False,
                           postgresql_where=sa.text("sent_at IS NULL"), sqlite_where=sa.text("sent_at IS NULL"))
        batch.create_index("ix_effects_ordering", ["ordering_key", "id"], unique=False,
                           postgresql_where=sa.text("sent_at IS NULL"), sqlite_where=sa.text("sent_at IS NULL"))
        batch.create_index("ix_effects_incident", ["incident_id", "kind"], unique=False)

    nags = sa.table(
        "nags", sa.column("id", sa.Integer()), sa.column("incident_id", sa.Integer()), sa.column("kind", sa.String()),
        sa.column("due_at", when), sa.column("recipient_id", sa.String()), sa.column("created_at", when),
        sa.column("claimed_at", when), sa.column("claimed_by", sa.String()), sa.column("sent_at", when),
        sa.column("late", sa.Boolean()), sa.column("data", sa.JSON()),
    )
    bind = op.get_bind()
    rows = [
        dict(id=r.id, incident_id=r.incident_id, kind=r.kind, due_at=r.due_at, attempt_at=r.due_at,
             recipient_id=r.recipient_id, created_at=r.created_at, claimed_at=r.claimed_at, claimed_by=r.claimed_by,
             sent_at=r.sent_at, late=r.late, payload=r.data, ordering_key=None,
             dedupe_key=reminder_key(r.incident_id, r.kind, r.due_at), attempts=1 if r.claimed_at else 0,
             outcome=(("skipped" if (r.data or {}).get("skipped") else "sent") if r.sent_at else None),
             error=None, result=None, tell=None)
        for r in bind.execute(sa.select(nags)).all()
    ]
    if rows:
        op.bulk_insert(effects, rows)
    if bind.dialect.name == "postgresql":
        # Copied ids keep their values: the sequence goes on after them.
        op.execute("SELECT setval(pg_get_serial_sequence('effects', 'id'), COALESCE((SELECT MAX(id) FROM effects), 0) + 1, false)")
    with op.batch_alter_table("nags") as batch:
        batch.drop_index("ix_nags_unsent")
    op.drop_table("nags")


def downgrade() -> None:
    raise NotImplementedError("effects cannot be folded back into nags: restore a backup taken before 0005")
