"""Each service's migrations, run from empty, give exactly the tables its code declares.

Migrations of several branches were merged and re-chained; a column declared in ``tables.py`` but never
migrated (or migrated differently) would pass every test that builds tables from the migrations and still
fail the code that relies on the declaration. Alembic's own comparison finds such drift.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from libs.common.db import create_engine
from libs.common.migrations import upgrade
from tests import backends

SERVICES = ("enrollment", "monitoring", "referral", "assistance")


def _differences(sync_conn: sa.Connection, metadata: sa.MetaData) -> list[Any]:
    context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_give_the_declared_tables(service: str, database_url_template: str) -> None:
    tables = importlib.import_module(f"services.{service}.tables")
    engine = create_engine(database_url_template.replace("{service}", service))
    try:
        await upgrade(engine, backends.REPO / "services" / service / "migrations")
        async with engine.connect() as conn:
            differences = await conn.run_sync(_differences, tables.metadata)
    finally:
        await engine.dispose()
    assert differences == [], f"{service}: migrations and tables.py differ: {differences}"


def test_every_service_has_one_migration_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    for service in SERVICES:
        cfg = Config()
        cfg.set_main_option("script_location", str(Path(backends.REPO) / "services" / service / "migrations"))
        heads = ScriptDirectory.from_config(cfg).get_heads()
        assert len(heads) == 1, f"{service} has {len(heads)} migration heads: {heads}"
