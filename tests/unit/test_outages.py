"""Outage or bad record, told by cause, on the error objects asyncpg and SQLAlchemy really build: asyncpg makes a
server error from its message fields (``PostgresError.new``), SQLAlchemy's asyncpg adapter translates it and wraps
it in a ``DBAPIError`` as it does for a failed statement; a pool timeout comes from a real pool with no free
connection."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection, PGDialect_asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common.messaging.bus import BusUnavailable
from libs.common.messaging.unit_of_work import PreviousBatchFailed
from libs.common.outages import is_outage, sqlstate


def from_postgres(code: str, message: str) -> DBAPIError:
    """The error SQLAlchemy raises for a statement the server answered with this SQLSTATE and message."""
    server_error = asyncpg.exceptions.PostgresError.new({"C": code, "M": message, "S": "ERROR"})
    dbapi = PGDialect_asyncpg.import_dbapi()  # type: ignore[no-untyped-call]
    try:
        AsyncAdapt_asyncpg_connection._handle_exception_no_connection(dbapi, server_error)
    except Exception as adapted:  # the adapter raises its translation
        dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
        wrapped = DBAPIError.instance("UPDATE totals SET amount = $1", ("1.00",), adapted, dbapi.Error, dialect=dialect)
        assert isinstance(wrapped, DBAPIError)
        return wrapped
    raise AssertionError("the adapter did not translate the error")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("57P03", "the database system is starting up"),  # crash recovery
        ("57P01", "terminating connection due to administrator command"),  # immediate or fast shutdown
        ("57014", "canceling statement due to statement timeout"),
        ("08006", "connection failure"),
        ("53300", "sorry, too many clients already"),
        ("40001", "could not serialize access due to concurrent update"),
        ("40P01", "deadlock detected"),
        ("55P03", "canceling statement due to lock timeout"),
    ],
)
def test_a_database_outage_or_a_lost_race_is_an_outage(code: str, message: str) -> None:
    exc = from_postgres(code, message)
    assert type(exc) is DBAPIError and not exc.connection_invalidated  # the class alone does not tell
    assert sqlstate(exc) == code
    assert is_outage(exc)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("22003", "numeric field overflow"),
        ("23505", 'duplicate key value violates unique constraint "claims_pkey"'),
        ("22P02", 'invalid input syntax for type numeric: "abc"'),
        ("XX000", "internal error"),  # a bug, not an outage
    ],
)
def test_an_error_about_the_record_is_not_an_outage(code: str, message: str) -> None:
    exc = from_postgres(code, message)
    assert sqlstate(exc) == code
    assert not is_outage(exc)


def test_a_handler_error_is_not_an_outage_even_if_raised_while_handling_one() -> None:
    try:
        try:
            raise from_postgres("57P03", "the database system is starting up")
        except DBAPIError:
            raise ValueError("handler rejects c-1") from None
    except ValueError as exc:
        assert not is_outage(exc)


def test_the_broker_and_the_batch_before_are_outages() -> None:
    assert is_outage(BusUnavailable("no broker"))
    assert is_outage(PreviousBatchFailed("the batch before this one failed"))
    assert not is_outage(ValueError("handler rejects c-1"))


async def test_a_pool_with_no_free_connection_is_an_outage(tmp_path: Path) -> None:
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path}/pool.sqlite", pool_size=1, max_overflow=0, pool_timeout=0.05
    )
    try:
        async with engine.connect():
            with pytest.raises(PoolTimeout) as caught:
                async with engine.connect():
                    pass
        assert is_outage(caught.value)
    finally:
        await engine.dispose()
