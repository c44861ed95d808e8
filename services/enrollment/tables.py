"""The enrollment service's own tables."""

from __future__ import annotations

import sqlalchemy as sa

from libs.common.db import UtcDateTime, utcnow_column_default
from libs.common.messaging.tables import messaging_tables

metadata = sa.MetaData()
messaging = messaging_tables(metadata)

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
