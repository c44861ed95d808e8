"""The referral service's own tables."""

from __future__ import annotations

import sqlalchemy as sa

from libs.common.db import UtcDateTime, utcnow_column_default
from libs.common.deadlines import deadline_columns, pending_due_index
from libs.common.messaging.tables import messaging_tables
from libs.common.read_models.policy_entries import policy_entries_table

metadata = sa.MetaData()
messaging = messaging_tables(metadata)
# The operators' policy entries (figures, successor packs) layered over the YAML packs; see libs/common/read_models.
policy_entries = policy_entries_table(metadata)

# One row per referral; its deadline columns (due_on, due_provisional, closed_on, breach_noted_on) are the shared
# tracked-deadline shape of libs/common/deadlines.py, so the overdue scan is the library's one query. due_on is the
# decision deadline and NULL where the pack sets none; the feedback deadline counts from the agency's decision, so
# it is judged when the answer comes (decided_on … feedback_working_days_late, from the first answer).
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
    *deadline_columns(due_required=False),
    sa.Column("deadline_rule_id", sa.String(100), nullable=False),
    sa.Column("feedback_working_days", sa.Integer, nullable=True),  # from the pack at opening; NULL: none set
    # The pack governing the warning's claim date had ended with no successor and was carried forward.
    sa.Column("policy_carried_forward", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.String(20), nullable=False),  # open | acknowledged | resolved | withdrawn
    sa.Column("acknowledged_on", sa.Date, nullable=True),
    sa.Column("outcome", sa.String(40), nullable=True),  # the latest answer's outcome (the ledger keeps them all)
    sa.Column("decided_on", sa.Date, nullable=True),  # the first answer's decision day
    sa.Column("feedback_due_on", sa.Date, nullable=True),
    sa.Column("feedback_working_days_late", sa.Integer, nullable=True),  # > 0: a breach, recorded at answer time
    sa.Column("created_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
    sa.UniqueConstraint("flag_id", "agency", name="uq_referrals_one_per_agency"),
    sa.Index("ix_referrals_open_due", "status", "due_on"),
    pending_due_index("referrals"),
)

# The agencies' answers, insert-only: who (principal name and agency) did what, when. A correction is a new row.
referral_responses = sa.Table(
    "referral_responses",
    metadata,
    sa.Column("response_id", sa.String(64), primary_key=True),
    sa.Column("referral_id", sa.String(64), sa.ForeignKey("referrals.referral_id"), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),  # acknowledged | resolved | corrected | withdrawn
    sa.Column("outcome", sa.String(40), nullable=True),
    sa.Column("category", sa.String(40), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("answered_by", sa.String(100), nullable=False),
    sa.Column("answered_by_agency", sa.String(40), nullable=False),
    sa.Column("answered_on", sa.Date, nullable=False),  # China date: what the deadline is judged on
    sa.Column("decided_on", sa.Date, nullable=True),  # the agency's decision day, as it answered
    sa.Column("answered_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
    sa.Index("ix_referral_responses_referral", "referral_id", "answered_at"),
)
