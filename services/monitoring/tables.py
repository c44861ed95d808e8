"""The monitoring service's own tables (its read model of the roster, the yearly accumulators, the flags)."""

from __future__ import annotations

import sqlalchemy as sa

from libs.common.db import UtcDateTime, utcnow_column_default
from libs.common.messaging.tables import messaging_tables
from libs.common.read_models.categories import category_periods_table
from libs.common.read_models.policy_entries import policy_entries_table

metadata = sa.MetaData()
messaging = messaging_tables(metadata)
# The operators' policy entries (figures, successor packs) layered over the YAML packs; see libs/common/read_models.
policy_entries = policy_entries_table(metadata)
Money = sa.Numeric(14, 2, asdecimal=True)

# Learned from roster.changed: which categories a person holds, and from when to when.
category_periods = category_periods_table(metadata)

persons = sa.Table(
    "persons",
    metadata,
    sa.Column("person_key", sa.String(64), primary_key=True),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("township", sa.String(100), nullable=True),
    sa.Column("village", sa.String(100), nullable=True),
)

# One row per business claim: a claim id seen again (under a new event id) is not counted twice. The parts every
# burden definition needs are kept, so a rebuild or a re-evaluation needs nothing but this table.
claim_facts = sa.Table(
    "claim_facts",
    metadata,
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("person_key", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("total_cost", Money, nullable=False),
    sa.Column("burden", Money, nullable=False),
    # Set when a correction (or a reversal) replaces this claim; such a claim no longer counts.
    sa.Column("superseded_by", sa.String(64), nullable=True),
    sa.Column("self_pay", Money, nullable=False, server_default="0"),
    sa.Column("assistance", Money, nullable=False, server_default="0"),
    sa.Column("corrects_claim_id", sa.String(64), nullable=True),
    sa.Column("region_code", sa.String(6), nullable=True),
    sa.Column("settlement_date", sa.Date, nullable=True),
    sa.Column("diagnosis", sa.String(200), nullable=True),
    sa.Index("ix_claim_facts_person_year", "person_key", "year"),
    # Few claims are corrections: a partial index costs ordinary claims nothing to insert (measured: a third less
    # time per 2,000-claim batch than a full index).
    sa.Index(
        "ix_claim_facts_corrections",
        "corrects_claim_id",
        postgresql_where=sa.text("corrects_claim_id IS NOT NULL"),
        sqlite_where=sa.text("corrects_claim_id IS NOT NULL"),
    ),
)

# The running yearly totals, kept in the parts of domain.BurdenParts; always equal to a rebuild from claim_facts.
year_burdens = sa.Table(
    "year_burdens",
    metadata,
    sa.Column("person_key", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    # The region of the year's latest claim, and that claim's settlement date (the rule: year_region.py).
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("total_cost", Money, nullable=False),
    sa.Column("burden", Money, nullable=False),
    sa.Column("self_pay", Money, nullable=False, server_default="0"),
    sa.Column("assistance", Money, nullable=False, server_default="0"),
    sa.Column("region_settled_on", sa.Date, nullable=True),
)

risk_flags = sa.Table(
    "risk_flags",
    metadata,
    sa.Column("flag_id", sa.String(64), primary_key=True),
    sa.Column("person_key", sa.String(64), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("level", sa.String(20), nullable=False),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("category", sa.String(40), nullable=True),
    sa.Column("policy_pack_id", sa.String(100), nullable=False),
    sa.Column("rule_id", sa.String(100), nullable=False),
    sa.Column("threshold", Money, nullable=False),
    sa.Column("cumulative_total_cost", Money, nullable=False),
    sa.Column("cumulative_burden", Money, nullable=False),
    sa.Column("claim_id", sa.String(64), nullable=False),
    sa.Column("risk_description", sa.Text, nullable=False),
    sa.Column("flagged_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
    # A person is flagged once per year per level.
    sa.UniqueConstraint("person_key", "year", "level", name="uq_risk_flags_once_per_level"),
    # Raised when a figure arrived after the claims that crossed the line (the claim's own dates stay on the flag).
    sa.Column("raised_late", sa.Boolean, nullable=False, server_default=sa.false()),
    # The pack's rules had ended with no successor and were carried forward (a blind spot until one is entered).
    sa.Column("policy_carried_forward", sa.Boolean, nullable=False, server_default=sa.false()),
)

# A person's year whose claims a rule could not evaluate for want of a figure (pack, figure, year): kept until the
# operator enters it, then evaluated (``evaluated_at``). The identity is kept from the claim, since the flag a late
# evaluation raises must name the person and not everyone is on a roster.
waiting_years = sa.Table(
    "waiting_years",
    metadata,
    sa.Column("person_key", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("pack_id", sa.String(100), primary_key=True),
    sa.Column("figure", sa.String(100), primary_key=True),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("first_claim_date", sa.Date, nullable=False),
    sa.Column("evaluated_at", UtcDateTime(), nullable=True),
    sa.Index(
        "ix_waiting_years_open",
        "pack_id",
        "figure",
        "year",
        postgresql_where=sa.text("evaluated_at IS NULL"),
        sqlite_where=sa.text("evaluated_at IS NULL"),
    ),
)

# --- Reports (附件1 monthly warning list, 附件2 quarterly summary): services/monitoring/reports/ ---

# One row per warning, learned from risk.flagged (the service's own topic), with what a 附件1 row shows as it stood
# when the warning was raised. ``list_month`` is set once, when the list of that month is issued: from then on the
# row belongs to that frozen list; until then it shows on the draft of the month it is dated in (or a later one).
warning_entries = sa.Table(
    "warning_entries",
    metadata,
    sa.Column("flag_id", sa.String(64), primary_key=True),
    sa.Column("person_key", sa.String(64), nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("settlement_date", sa.Date, nullable=False),
    sa.Column("township", sa.String(100), nullable=True),
    sa.Column("village", sa.String(100), nullable=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("category", sa.String(40), nullable=True),
    sa.Column("level", sa.String(20), nullable=False),
    sa.Column("risk_description", sa.Text, nullable=False),
    sa.Column("list_month", sa.String(7), nullable=True),
    sa.Index("ix_warning_entries_list", "region_code", "list_month", "settlement_date", "flag_id"),
)

# An issued 附件1 list: the month, who issued it and when, its due date and whether it was late.
warning_lists = sa.Table(
    "warning_lists",
    metadata,
    sa.Column("region_code", sa.String(6), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("issued_by", sa.String(100), nullable=False),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("late", sa.Boolean, nullable=True),
    sa.Column("issued_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
)

# The referral service's answers, as far as 附件2 needs them: pushed (opened) and the outcome (resolved). Either
# event may arrive first (two topics), so each fills its own columns.
referral_answers = sa.Table(
    "referral_answers",
    metadata,
    sa.Column("referral_id", sa.String(64), primary_key=True),
    sa.Column("person_key", sa.String(64), nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column("agency", sa.String(40), nullable=False),
    sa.Column("opened_on", sa.Date, nullable=True),
    sa.Column("outcome", sa.String(40), nullable=True),
    sa.Column("resolved_on", sa.Date, nullable=True),
)

# An issued 附件2 summary, frozen as it was computed.
quarterly_summaries = sa.Table(
    "quarterly_summaries",
    metadata,
    sa.Column("region_code", sa.String(6), primary_key=True),
    sa.Column("quarter", sa.String(7), primary_key=True),
    sa.Column("summary", sa.JSON, nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("issued_by", sa.String(100), nullable=False),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("late", sa.Boolean, nullable=True),
    sa.Column("issued_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
)
