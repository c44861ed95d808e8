"""policy entries (operators' figures and successor packs), the years waiting for a figure, flags raised late

Revision ID: e14a00040104
Revises: b7d0e0020002
Create Date: 2026-12-03 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from libs.common.migration_ops import create_policy_entries_v1, drop_policy_entries_v1

_OPEN = sa.text("evaluated_at IS NULL")

revision: str = "e14a00040104"
down_revision: str | None = "b7d0e0020002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_policy_entries_v1()
    with op.batch_alter_table("risk_flags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raised_late", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(
            sa.Column("policy_carried_forward", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "waiting_years",
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.String(length=100), nullable=False),
        sa.Column("figure", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("first_claim_date", sa.Date(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("person_key", "year", "pack_id", "figure"),
    )
    op.create_index(
        "ix_waiting_years_open",
        "waiting_years",
        ["pack_id", "figure", "year"],
        unique=False,
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_waiting_years_open", table_name="waiting_years", postgresql_where=_OPEN, sqlite_where=_OPEN)
    op.drop_table("waiting_years")
    with op.batch_alter_table("risk_flags", schema=None) as batch_op:
        batch_op.drop_column("policy_carried_forward")
        batch_op.drop_column("raised_late")
    drop_policy_entries_v1()
