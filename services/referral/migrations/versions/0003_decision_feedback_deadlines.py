"""referral deadlines as two pack parameters: a decision deadline that may be absent (due_on nullable), the
feedback deadline after the agency's decision, the decision day of each answer, and a carried-forward pack

Revision ID: d1e0e0030003
Revises: d1e0e0020002
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d1e0e0030003"
down_revision: str | None = "d1e0e0020002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.alter_column("due_on", existing_type=sa.Date(), nullable=True)
        batch_op.add_column(sa.Column("feedback_working_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("policy_carried_forward", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("feedback_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("feedback_working_days_late", sa.Integer(), nullable=True))
    # referral_responses is insert-only by trigger; adding a nullable column rewrites no row on PostgreSQL, and on
    # SQLite ADD COLUMN needs no table copy (a batch copy would drop the triggers).
    op.add_column("referral_responses", sa.Column("decided_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("referral_responses", "decided_on")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("feedback_working_days_late")
        batch_op.drop_column("feedback_due_on")
        batch_op.drop_column("decided_on")
        batch_op.drop_column("policy_carried_forward")
        batch_op.drop_column("feedback_working_days")
        # Rows with no decision deadline cannot go back to a NOT NULL due_on: downgrading needs them closed first.
        batch_op.alter_column("due_on", existing_type=sa.Date(), nullable=False)
