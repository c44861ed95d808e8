"""a gap's push deadline is optional: a region whose packs set none (越城) still records its gaps

Revision ID: f6c0e0060006
Revises: f5b0e0050005
Create Date: 2026-11-23 08:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f6c0e0060006"
down_revision: str | None = "f5b0e0050005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrollment_gaps", schema=None) as batch_op:
        batch_op.alter_column("due_on", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("enrollment_gaps", schema=None) as batch_op:
        batch_op.alter_column("due_on", existing_type=sa.Date(), nullable=False)
