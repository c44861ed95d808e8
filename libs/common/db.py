"""Database engines: PostgreSQL through asyncpg, or SQLite through aiosqlite for the embedded default."""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import DateTime, Dialect, TypeDecorator, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from libs.common.clock import utc_now


def utcnow_column_default() -> datetime:
    """``recorded_at``, ``flagged_at``, ``issued_at`` and the like: the process's clock (libs/common/clock.py)."""
    return utc_now()


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored and returned in UTC with their zone; SQLite alone would hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_driver_name() == "asyncpg":
            # Plan every execution with its own arguments and the tables' current size. asyncpg prepares each
            # statement once per connection, and after five executions PostgreSQL may keep a generic plan made
            # while a table was still small: a new service's `person_key = ANY($1)` lookups kept scanning
            # risk_flags and claim_facts whole as they grew (7.8 ms a batch at 20,000 flags; with an index,
            # 0.02 ms) until autovacuum's next ANALYZE. Planning these statements costs a fraction of a
            # millisecond, once per batch.
            connect_args = kwargs.pop("connect_args", {})
            settings = {"plan_cache_mode": "force_custom_plan", **connect_args.get("server_settings", {})}
            kwargs["connect_args"] = {**connect_args, "server_settings": settings}
        return create_async_engine(url, pool_pre_ping=True, **kwargs)

    if parsed.database and parsed.database != ":memory:":
        from pathlib import Path

        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (the documented aiosqlite recipe), so that we can
        # make it BEGIN IMMEDIATE below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers run beside the one writer; busy_timeout makes writers queue instead of failing.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that later writes can fail at once with SQLITE_BUSY instead of waiting;
        # taking the write lock up front turns that into an orderly queue.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


BULK_THRESHOLD = 500  # below this, one INSERT … SELECT FROM unnest(arrays) beats setting up a COPY


async def bulk_insert(conn: AsyncConnection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows in the caller's transaction; on PostgreSQL through COPY (a 100,000-row roster) or, for a
    few hundred rows (a batch's outbox events), one unnest INSERT — both several times faster than executemany.
    Columns a row leaves out take their Python-side defaults, worked out once per call (one timestamp for the
    rows written together)."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        await conn.execute(table.insert(), list(rows))
        return
    columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True and c.name not in rows[0])]
    names = [c.name for c in columns]
    # SQLAlchemy wraps a column's Python default to take an execution context; COPY has none, so pass None.
    base: dict[str, Any] = {
        c.name: cast(Any, c.default).arg(None) if c.default is not None and c.default.is_callable else None
        for c in columns
    }
    # The guard UtcDateTime applies to a bound parameter; asyncpg converts aware values to UTC itself.
    for name in (c.name for c in columns if isinstance(c.type, UtcDateTime)):
        if any(r.get(name) is not None and r[name].tzinfo is None for r in rows):
            raise ValueError(f"naive datetime given to the UTC column {table.name}.{name}")
    # Per row, one dict merge and one itemgetter, both in C: a Python loop over every cell was a large share of
    # a 100,000-row import's time.
    pick = operator.itemgetter(*names)
    records = [pick({**base, **row}) for row in rows]
    if len(names) == 1:
        records = [(value,) for value in records]
    if len(rows) < BULK_THRESHOLD:
        await unnest_insert(conn, table, [dict(zip(names, r, strict=True)) for r in records])
        return
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table(table.name, records=records, columns=names)


def insert_ignoring_duplicates(conn: AsyncConnection, table: sa.Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING in the connection's dialect (both PostgreSQL and SQLite have it); add
    ``.returning(...)`` to learn which rows were new."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


async def lock_in_transaction(conn: AsyncConnection, key: str) -> None:
    """Wait for, then hold until the transaction ends, a lock named ``key`` (a PostgreSQL advisory lock): for a
    read-then-write of rows that may not exist yet, which no row lock covers. SQLite has one writer at a time
    (BEGIN IMMEDIATE) and needs none."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))


async def unnest_insert(
    conn: AsyncConnection, table: sa.Table, rows: Sequence[Mapping[str, Any]], suffix: str = ""
) -> sa.CursorResult[Any]:
    """PostgreSQL only: ``INSERT INTO t (cols) SELECT * FROM unnest($1::type[], …) <suffix>`` — one statement with
    one array per column, whatever the number of rows (no per-row parameter handling; executemany and
    multi-row VALUES cost several times more per row). ``suffix`` is e.g. ``ON CONFLICT DO NOTHING RETURNING id``.
    Columns are those of the first row; values are passed as asyncpg takes them (Decimal, date, aware datetime)."""
    if conn.dialect.name != "postgresql":
        raise ValueError("unnest_insert is for PostgreSQL; use an INSERT statement elsewhere")
    names = list(rows[0])
    # Numeric columns travel as text and PostgreSQL parses them: asyncpg's binary encoding of a Decimal costs ~1.3 µs,
    # str() and the server's parse ~0.5 µs (measured: 2,000 rows of four amounts, 24 ms → 14 ms). The text is the
    # Decimal's exact value, so the column's cast is the only rounding, as before.
    as_text = {n for n in names if isinstance(table.c[n].type, sa.Numeric)}

    def cast(i: int, name: str) -> str:
        param = f"CAST(:c{i} AS TEXT[])" if name in as_text else f":c{i}"
        return f"CAST({param} AS {table.c[name].type.compile(dialect=conn.dialect)}[])"

    def column(name: str) -> list[Any]:
        if name in as_text:
            return [None if (v := row[name]) is None else str(v) for row in rows]
        return [row[name] for row in rows]

    casts = ", ".join(cast(i, n) for i, n in enumerate(names))
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({casts}) {suffix}"
    params = {f"c{i}": column(n) for i, n in enumerate(names)}
    return await conn.execute(sa.text(sql), params)


def one_of(conn: AsyncConnection, column: sa.ColumnElement[Any], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL as ``= ANY(array)``: one parameter, so the statement text stays the same
    for any number of values and asyncpg reuses its prepared statement instead of planning a new one each batch."""
    if conn.dialect.name == "postgresql":
        return column == sa.func.any(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


IN_CHUNK = 1000  # keys per IN (...) list: well inside every driver's parameter limit


def among(
    conn: AsyncConnection, column: sa.ColumnElement[Any], keys: Sequence[Any]
) -> Iterator[sa.ColumnElement[bool]]:
    """Conditions "column is one of keys", to run one query each. PostgreSQL gets one: the keys as a single array
    parameter (= ANY), which SQLAlchemy neither expands nor recompiles; 100 lists of 1,000 expanded parameters
    took seconds of a 100,000-row import. Elsewhere, IN lists of up to ``IN_CHUNK`` keys."""
    if not keys:
        return
    if conn.dialect.name == "postgresql":
        yield one_of(conn, column, keys)
        return
    for start in range(0, len(keys), IN_CHUNK):
        yield one_of(conn, column, keys[start : start + IN_CHUNK])
