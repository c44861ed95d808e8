"""Alembic environment of the assistance service (run through libs.common.migrations)."""

from libs.common.migrations import run_env
from services.assistance.tables import metadata

run_env(metadata)
