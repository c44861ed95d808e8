"""burden parts and correction links on claim facts; burden parts on the yearly totals

Revision ID: a5c0e0020002
Revises: ca0585c864e1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a5c0e0020002"
down_revision: str | None = "ca0585c864e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Money = sa.Numeric(precision=14, scale=2)


def upgrade() -> None:
    with op.batch_alter_table("claim_facts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("self_pay", Money, server_default="0", nullable=False))
        batch_op.add_column(sa.Column("assistance", Money, server_default="0", nullable=False))
        batch_op.add_column(sa.Column("corrects_claim_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("region_code", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("settlement_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("diagnosis", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_claim_facts_corrections",
            ["corrects_claim_id"],
            unique=False,
            postgresql_where=sa.text("corrects_claim_id IS NOT NULL"),
            sqlite_where=sa.text("corrects_claim_id IS NOT NULL"),
        )
        batch_op.create_index("ix_claim_facts_person_year", ["person_key", "year"], unique=False)
    # Facts stored before this revision had only the burden: its self-pay part is the burden (reading of
    # domain.claim_parts for a claim without the split), assistance unknown (0).
    op.execute("UPDATE claim_facts SET self_pay = burden")
    with op.batch_alter_table("year_burdens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("self_pay", Money, server_default="0", nullable=False))
        batch_op.add_column(sa.Column("assistance", Money, server_default="0", nullable=False))
    op.execute("UPDATE year_burdens SET self_pay = burden")


def downgrade() -> None:
    with op.batch_alter_table("year_burdens", schema=None) as batch_op:
        batch_op.drop_column("assistance")
        batch_op.drop_column("self_pay")
    with op.batch_alter_table("claim_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_facts_person_year")
        batch_op.drop_index(
            "ix_claim_facts_corrections",
            postgresql_where=sa.text("corrects_claim_id IS NOT NULL"),
            sqlite_where=sa.text("corrects_claim_id IS NOT NULL"),
        )
        batch_op.drop_column("diagnosis")
        batch_op.drop_column("settlement_date")
        batch_op.drop_column("region_code")
        batch_op.drop_column("corrects_claim_id")
        batch_op.drop_column("assistance")
        batch_op.drop_column("self_pay")
