"""The assistance service's own tables, plus its outbox and inbox."""

from __future__ import annotations

import sqlalchemy as sa

from libs.common.db import UtcDateTime, utcnow_column_default
from libs.common.messaging.tables import messaging_tables
from libs.common.read_models.categories import benefit_periods_table, category_periods_table
from libs.common.read_models.policy_entries import policy_entries_table

metadata = sa.MetaData()
messaging = messaging_tables(metadata)
# The operators' policy entries (figures, successor packs) layered over the YAML packs; see libs/common/read_models.
policy_entries = policy_entries_table(metadata)

Money = sa.Numeric(14, 2, asdecimal=True)

claims = sa.Table(
    "claims",
    metadata,
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("person_key", sa.String(64), nullable=False, index=True),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("settlement_date", sa.Date, nullable=False),
    sa.Column("diagnosis", sa.String(200), nullable=False),
    sa.Column("total_cost", Money, nullable=False),
    sa.Column("basic_insurance_paid", Money, nullable=False),
    sa.Column("critical_illness_paid", Money, nullable=False),
    sa.Column("medical_assistance_paid", Money, nullable=False),
    sa.Column("other_paid", Money, nullable=False),
    sa.Column("personal_burden", Money, nullable=False),
    sa.Column("corrects_claim_id", sa.String(64), nullable=True),
    # The cost breakdown when the engine settled the claim, and why it paid what it paid.
    sa.Column("visit", sa.String(30), nullable=True),
    sa.Column("in_catalog", Money, nullable=True),
    sa.Column("out_of_catalog", Money, nullable=True),
    sa.Column("policy_pack_id", sa.String(100), nullable=True),
    sa.Column("explanation", sa.JSON, nullable=True),
    # SHA-256 of the request as received: the same request again is acknowledged, a different one conflicts.
    sa.Column("fingerprint", sa.String(64), nullable=True),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
)

# Learned from roster.changed: which categories a person holds on a date, from the 动态调整时间 (the analysis
# report's watched categories), and whose benefits from the list date (what a claim is settled with).
category_periods = category_periods_table(metadata)
benefit_periods = benefit_periods_table(metadata)

# What each person received this year, for deductibles and limits that run over the year.
year_to_date = sa.Table(
    "year_to_date",
    metadata,
    sa.Column("person_key", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("critical_base", Money, nullable=False),
    sa.Column("critical_paid", Money, nullable=False),
    sa.Column("assistance_paid", Money, nullable=False),
    sa.Column("outpatient_assistance_paid", Money, nullable=False),
    sa.Column("policy_burden", Money, nullable=False),
    sa.Column("tilted_paid", Money, nullable=False),
)

# An issued analysis report (Yuecheng 半年/全年数据分析报告), frozen as computed: services/assistance/analysis_*.py.
analysis_reports = sa.Table(
    "analysis_reports",
    metadata,
    sa.Column("region_code", sa.String(6), primary_key=True),
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("report", sa.JSON, nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("issued_by", sa.String(100), nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("late", sa.Boolean, nullable=False),
    sa.Column("issued_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
)
