"""Alembic, driven from code: each service has its own migrations folder and version table.

``upgrade`` runs at service start (idempotent). Each service's ``migrations/env.py`` is two lines that call
``run_env`` with that service's metadata.
"""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine


def _config(script_location: Path, connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.attributes["connection"] = connection
    return cfg


# Alembic keeps its migration context in a process global; several services starting in one process must
# take turns, or one service's migration runs against another's connection.
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


async def upgrade(engine: AsyncEngine, script_location: Path) -> None:
    def _run(sync_conn: sa.Connection) -> None:
        command.upgrade(_config(script_location, sync_conn), "head")

    turn = _turns.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with turn, engine.begin() as conn:
        await conn.run_sync(_run)


def revision(database_url: str, script_location: Path, message: str) -> None:
    """Autogenerate a new revision against a database at head (a developer tool; sync driver URL)."""
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        cfg = _config(script_location, conn)
        command.upgrade(cfg, "head")
        command.revision(cfg, message=message, autogenerate=True)


def run_env(target_metadata: sa.MetaData) -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through libs.common.migrations (upgrade/revision), not the alembic CLI")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
