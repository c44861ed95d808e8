"""Alembic environment of the enrollment service (run through libs.common.migrations)."""

from libs.common.migrations import run_env
from services.enrollment.tables import metadata

run_env(metadata)
