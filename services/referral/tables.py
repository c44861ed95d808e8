"""The referral service's own tables."""

from __future__ import annotations

import sqlalchemy as sa

from libs.common.db import UtcDateTime, utcnow_column_default
from libs.common.messaging.tables import messaging_tables

metadata = sa.MetaData()
messaging = messaging_tables(metadata)

referrals = sa.Table(
    "referrals",
    metadata,
    sa.Column("referral_id", sa.String(64), primary_key=True),
    sa.Column("flag_id", sa.String(64), nullable=False),
    sa.Column("person_key", sa.String(64), nullable=False),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("agency", sa.String(40), nullable=False),
    sa.Column("risk_description", sa.Text, nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("due_provisional", sa.Boolean, nullable=False),
    sa.Column("deadline_rule_id", sa.String(100), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
    sa.UniqueConstraint("flag_id", "agency", name="uq_referrals_one_per_agency"),
    sa.Index("ix_referrals_open_due", "status", "due_on"),
)
