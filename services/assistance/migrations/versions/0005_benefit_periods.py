"""benefit_periods: who holds which category's benefits when, from the list date (seed 000 四)

Settlement follows the day 民政/乡村振兴 provided the list (自…提供名单之日起), not the 动态调整时间 the
category_periods run from. This service never stored the list date, so existing periods are copied as they are
(from the 动态调整时间) — the closest it knows; changes recorded from now on take their list date.

Revision ID: c5a0e0050005
Revises: e14a00040004
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5a0e0050005"
down_revision: str | None = "e14a00040004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "benefit_periods",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("benefit_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_benefit_periods_person_key"), ["person_key"], unique=False)
    op.execute(
        "INSERT INTO benefit_periods (person_key, category, valid_from, valid_to) "
        "SELECT person_key, category, valid_from, valid_to FROM category_periods"
    )


def downgrade() -> None:
    with op.batch_alter_table("benefit_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_benefit_periods_person_key"))
    op.drop_table("benefit_periods")
