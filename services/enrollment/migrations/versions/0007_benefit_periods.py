"""benefit_periods: who holds which category's benefits when, from the list date (seed 000 四)

The subsidy and the waiting-period waiver follow the day 民政/乡村振兴 provided the list (自…提供名单之日起), not
the 动态调整时间 the category_periods run from. Existing periods take the list date of the roster change that
opened (or closed) them.

Revision ID: f8d0e0080008
Revises: e14a00060006
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f8d0e0080008"
down_revision: str | None = "e14a00060006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A period's start (end) is the 动态调整时间 of the 新增 (退出) change that opened (closed) it; that change's
# list date is the benefit's. The unique (person, category, change type, effective date) makes it one change.
_LIST_DATE = (
    "(SELECT r.list_date FROM roster_changes r WHERE r.person_key = p.person_key AND r.category = p.category "
    "AND r.change_type = '{kind}' AND r.effective_date = p.{column})"
)


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
    start = _LIST_DATE.format(kind="added", column="valid_from")
    end = _LIST_DATE.format(kind="exited", column="valid_to")
    op.execute(
        "INSERT INTO benefit_periods (person_key, category, valid_from, valid_to) "
        f"SELECT p.person_key, p.category, COALESCE({start}, p.valid_from), "
        f"CASE WHEN p.valid_to IS NULL THEN NULL ELSE COALESCE({end}, p.valid_to) END FROM category_periods p"
    )


def downgrade() -> None:
    with op.batch_alter_table("benefit_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_benefit_periods_person_key"))
    op.drop_table("benefit_periods")
