"""The outbox and inbox tables every service adds to its own metadata (and its first migration)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from libs.common.db import UtcDateTime, utcnow_column_default

BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


@dataclass(frozen=True)
class MessagingTables:
    outbox: sa.Table
    inbox: sa.Table


def messaging_tables(metadata: sa.MetaData) -> MessagingTables:
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        # The relay only ever looks for unpublished rows; keep that lookup small as the table grows.
        sa.Index(
            "ix_outbox_unpublished",
            "id",
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        ),
    )
    inbox = sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("processed_at", UtcDateTime(), nullable=False, default=utcnow_column_default),
    )
    return MessagingTables(outbox, inbox)
