"""Statements on PostgreSQL are planned with each execution's own arguments, never with a cached generic plan.

asyncpg prepares a statement once per connection; after five executions PostgreSQL may switch it to a generic plan
made for the table as it was then. A service starts with empty tables, so that plan scanned them whole, and kept
doing so as they grew: the monitoring consumer's `person_key = ANY($1)` lookups fell behind (db.create_engine).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from libs.common.db import create_engine, one_of
from tests import backends

pytestmark = pytest.mark.integration


async def test_a_statement_run_many_times_is_never_given_a_generic_plan(pg_admin_url: str) -> None:
    name = backends.unique("plans_")
    with backends.postgres_databases(pg_admin_url, [name]):
        engine = create_engine(backends.database_url(pg_admin_url, name))
        metadata = sa.MetaData()
        flags = sa.Table("flags", metadata, sa.Column("person_key", sa.String(64), index=True))
        try:
            async with engine.connect() as conn:
                await conn.run_sync(metadata.create_all)
                for i in range(8):  # past the five custom plans after which PostgreSQL may keep a generic one
                    keys = [f"p{i}", f"p{i + 1}"]
                    found = (
                        await conn.execute(sa.select(flags.c.person_key).where(one_of(conn, flags.c.person_key, keys)))
                    ).scalars()
                    assert list(found) == []  # a new service's table: empty
                plans = (
                    await conn.execute(
                        sa.text(
                            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                            " WHERE statement LIKE '%FROM flags%' AND statement NOT LIKE '%pg_prepared_statements%'"
                        )
                    )
                ).one()
                # Left to PostgreSQL (plan_cache_mode auto), this statement got (3, 5): generic from the sixth run on.
                assert (plans.generic_plans, plans.custom_plans) == (0, 8)
        finally:
            await engine.dispose()
