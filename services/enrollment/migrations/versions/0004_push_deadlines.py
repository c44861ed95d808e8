"""push deadlines: breached roster and gap pushes (flow 1), in the shared tracked-deadline shape

Revision ID: f5b0e0050005
Revises: b5b1b6ce34b9
Create Date: 2026-11-23 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f5b0e0050005"
down_revision: str | None = "b5b1b6ce34b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("closed_on IS NULL AND breach_noted_on IS NULL")


def upgrade() -> None:
    op.create_table(
        "push_deadlines",
        sa.Column("deadline_id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("breach_noted_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("deadline_id"),
    )
    with op.batch_alter_table("push_deadlines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_push_deadlines_pending_due", ["due_on"], unique=False, postgresql_where=_PENDING, sqlite_where=_PENDING
        )
        batch_op.create_index("ix_push_deadlines_region_due", ["region_code", "due_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("push_deadlines", schema=None) as batch_op:
        batch_op.drop_index("ix_push_deadlines_region_due")
        batch_op.drop_index("ix_push_deadlines_pending_due", postgresql_where=_PENDING, sqlite_where=_PENDING)
    op.drop_table("push_deadlines")
