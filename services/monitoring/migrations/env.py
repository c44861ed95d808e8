"""Alembic environment of the monitoring service (run through libs.common.migrations)."""

from libs.common.migrations import run_env
from services.monitoring.tables import metadata

run_env(metadata)
