"""policy entries: the operators' figures and successor packs, layered over the YAML packs

Revision ID: e14a00040004
Revises: c3a0e0030003
Create Date: 2026-12-03 17:30:00
"""

from collections.abc import Sequence

from libs.common.migration_ops import create_policy_entries_v1, drop_policy_entries_v1

revision: str = "e14a00040004"
down_revision: str | None = "c3a0e0030003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_policy_entries_v1()


def downgrade() -> None:
    drop_policy_entries_v1()
