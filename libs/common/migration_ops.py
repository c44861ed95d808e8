"""Migration steps that several services take alike. Each is frozen once a migration calls it: a later change to a
table is a new step (``…_v2``) in a new migration, never an edit here."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def insert_only(table: str, message: str) -> None:
    """Make the database refuse UPDATE and DELETE on ``table``: its rows are evidence (who entered what, when)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_insert_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_insert_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def drop_insert_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {table}_insert_only ON {table}")
        op.execute(f"DROP FUNCTION {table}_insert_only()")
    else:
        op.execute(f"DROP TRIGGER {table}_no_update")
        op.execute(f"DROP TRIGGER {table}_no_delete")


def create_policy_entries_v1() -> None:
    """The operators' policy entries (libs/common/read_models/policy_entries.py), insert-only."""
    op.create_table(
        "policy_entries",
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("pack_id", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("figure", sa.String(length=100), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("pack", sa.Text(), nullable=True),
        sa.Column("path", sa.String(length=300), nullable=True),
        sa.Column("setting", sa.String(length=40), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    op.create_index(
        "ix_policy_entries_figure", "policy_entries", ["pack_id", "figure", "year", "entered_at"], unique=False
    )
    insert_only("policy_entries", "policy_entries is insert-only: a correction is a new entry")


def drop_policy_entries_v1() -> None:
    drop_insert_only("policy_entries")
    op.drop_index("ix_policy_entries_figure", table_name="policy_entries")
    op.drop_table("policy_entries")
