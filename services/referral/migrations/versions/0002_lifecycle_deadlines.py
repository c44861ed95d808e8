"""referral lifecycle (answers ledger) and tracked deadlines (closed_on, breach_noted_on)

Revision ID: d1e0e0020002
Revises: 1dd5185caa0a
Create Date: 2026-11-23 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d1e0e0020002"
down_revision: str | None = "1dd5185caa0a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("closed_on IS NULL AND breach_noted_on IS NULL")
_MESSAGE = "referral_responses is insert-only: a correction is a new entry"


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("breach_noted_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=40), nullable=True))
        batch_op.create_index(
            "ix_referrals_pending_due", ["due_on"], unique=False, postgresql_where=_PENDING, sqlite_where=_PENDING
        )

    op.create_table(
        "referral_responses",
        sa.Column("response_id", sa.String(length=64), nullable=False),
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=False),
        sa.Column("answered_by_agency", sa.String(length=40), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.referral_id"]),
        sa.PrimaryKeyConstraint("response_id"),
    )
    with op.batch_alter_table("referral_responses", schema=None) as batch_op:
        batch_op.create_index("ix_referral_responses_referral", ["referral_id", "answered_at"], unique=False)
    # The answers ledger is evidence of who answered what, when: the database refuses to change or drop an entry.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION referral_responses_insert_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER referral_responses_insert_only BEFORE UPDATE OR DELETE ON referral_responses "
            "FOR EACH ROW EXECUTE FUNCTION referral_responses_insert_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER referral_responses_no_{event.lower()} BEFORE {event} ON referral_responses "
                f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER referral_responses_insert_only ON referral_responses")
        op.execute("DROP FUNCTION referral_responses_insert_only()")
    else:
        op.execute("DROP TRIGGER referral_responses_no_update")
        op.execute("DROP TRIGGER referral_responses_no_delete")
    with op.batch_alter_table("referral_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_responses_referral")
    op.drop_table("referral_responses")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_pending_due", postgresql_where=_PENDING, sqlite_where=_PENDING)
        batch_op.drop_column("outcome")
        batch_op.drop_column("acknowledged_on")
        batch_op.drop_column("breach_noted_on")
        batch_op.drop_column("closed_on")
