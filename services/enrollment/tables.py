"""The enrollment service's own tables."""

from __future__ import annotations

import sqlalchemy as sa

from libs.common.db import UtcDateTime, utcnow_column_default
from libs.common.deadlines import deadline_table
from libs.common.messaging.tables import messaging_tables
from libs.common.read_models.categories import benefit_periods_table, category_periods_table
from libs.common.read_models.policy_entries import policy_entries_table

metadata = sa.MetaData()
messaging = messaging_tables(metadata)
# The operators' policy entries (figures, successor packs) layered over the YAML packs; see libs/common/read_models.
policy_entries = policy_entries_table(metadata)

roster_changes = sa.Table(
    "roster_changes",
    metadata,
    sa.Column("change_id", sa.String(64), primary_key=True),
    sa.Column("person_key", sa.String(64), nullable=False, index=True),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("township", sa.String(100), nullable=True),
    sa.Column("village", sa.String(100), nullable=True),
    sa.Column("change_type", sa.String(10), nullable=False),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("list_date", sa.Date, nullable=False),
    sa.Column("agency", sa.String(40), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
    # The same change sent again (a re-sent file, a retry) is one change.
    sa.UniqueConstraint("person_key", "category", "change_type", "effective_date", name="uq_roster_change"),
)

# Which categories each person holds when, kept in the same transaction as the roster change itself: from the
# 动态调整时间 (who is vulnerable: gaps, the ledger, the mid-year rule's 动态调整前), and whose benefits from the
# list date (the subsidy and the waiting-period waiver) — see libs/common/read_models/categories.py.
category_periods = category_periods_table(metadata)
benefit_periods = benefit_periods_table(metadata)

# One row per person and year, as the 医保 enrollment system reports it.
enrollments = sa.Table(
    "enrollments",
    metadata,
    sa.Column("person_key", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("tier", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
)

# Vulnerable persons without enrollment (漏保/脱保/断保), with the working-day deadline of their push.
enrollment_gaps = sa.Table(
    "enrollment_gaps",
    metadata,
    sa.Column("gap_id", sa.String(64), primary_key=True),
    sa.Column("person_key", sa.String(64), nullable=False),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=True),  # none where no pack sets a push deadline
    sa.Column("due_provisional", sa.Boolean, nullable=False),
    sa.Column("pushed_at", UtcDateTime(), nullable=True),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Index("ix_enrollment_gaps_open", "person_key", "year", "closed_on"),
)

# 月调度: the ledger of a month as it stood at month end, frozen when taken; later roster changes do not touch it.
dispatch_snapshots = sa.Table(
    "dispatch_snapshots",
    metadata,
    sa.Column("region_code", sa.String(6), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),  # YYYY-MM
    sa.Column("ledger", sa.JSON, nullable=False),
    sa.Column("taken_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
    sa.Column("taken_by", sa.String(100), nullable=False),
)

# Breached pushes of flow 1 (roster push, gap push), in the shared deadline store; see push_deadlines.py.
push_deadlines = deadline_table(metadata, "push_deadlines")
