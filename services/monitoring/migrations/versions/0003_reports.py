"""reports: 附件1 warning entries and issued lists, referral answers and issued 附件2 summaries

Revision ID: b7d0e0020002
Revises: a5c0e0020002
Create Date: 2026-11-23 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d0e0020002"
down_revision: str | None = "a5c0e0020002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "warning_entries",
        sa.Column("flag_id", sa.String(length=64), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("settlement_date", sa.Date(), nullable=False),
        sa.Column("township", sa.String(length=100), nullable=True),
        sa.Column("village", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("risk_description", sa.Text(), nullable=False),
        sa.Column("list_month", sa.String(length=7), nullable=True),
        sa.PrimaryKeyConstraint("flag_id"),
    )
    op.create_index(
        "ix_warning_entries_list",
        "warning_entries",
        ["region_code", "list_month", "settlement_date", "flag_id"],
        unique=False,
    )
    op.create_table(
        "warning_lists",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "month"),
    )
    op.create_table(
        "referral_answers",
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    op.create_table(
        "quarterly_summaries",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "quarter"),
    )


def downgrade() -> None:
    op.drop_table("quarterly_summaries")
    op.drop_table("referral_answers")
    op.drop_table("warning_lists")
    op.drop_index("ix_warning_entries_list", table_name="warning_entries")
    op.drop_table("warning_entries")
