"""Alembic environment of the referral service (run through libs.common.migrations)."""

from libs.common.migrations import run_env
from services.referral.tables import metadata

run_env(metadata)
