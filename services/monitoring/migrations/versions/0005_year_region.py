"""year_burdens.region_settled_on: a person's year belongs to the region of its latest claim (year_region.py)

Revision ID: f15b00050105
Revises: e14a00040104
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f15b00050105"
down_revision: str | None = "e14a00040104"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SAME_YEAR = "f.person_key = year_burdens.person_key AND f.year = year_burdens.year"


def upgrade() -> None:
    with op.batch_alter_table("year_burdens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_settled_on", sa.Date(), nullable=True))
    # The rule as it stood when this ran, written out: a migration is history and must not follow later edits.
    op.execute(
        "UPDATE year_burdens SET region_settled_on ="
        f" (SELECT max(f.settlement_date) FROM claim_facts f WHERE {_SAME_YEAR})"
    )
    op.execute(
        "UPDATE year_burdens SET region_code = coalesce((SELECT max(f.region_code) FROM claim_facts f"
        f" WHERE {_SAME_YEAR} AND f.settlement_date = year_burdens.region_settled_on), region_code)"
        " WHERE region_settled_on IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("year_burdens", schema=None) as batch_op:
        batch_op.drop_column("region_settled_on")
