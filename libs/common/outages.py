"""Is this failure an outage (wait it out, retry the same work) or about the work itself (a bad record)?

One answer for the consumers, the outbox relay, the periodic jobs and the REST error handler: a database that
is restarting, a pool with no free connection, a serialization failure or a deadlock will pass, and the same
record must then succeed; only what can never succeed may be dead-lettered or answered 4xx.

PostgreSQL says which by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html). asyncpg hands
some of these to SQLAlchemy as a plain ``DBAPIError`` ("the database system is starting up" is 57P03,
"terminating connection due to administrator command" 57P01), so the class alone does not tell.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from libs.common.messaging.bus import BusUnavailable

# Whole classes: 08 connection exception, 53 insufficient resources (too many connections, disk full),
# 57 operator intervention (shutdown, crash recovery, cannot connect now, query cancelled by a timeout),
# 58 system error (I/O), XX internal error is left out: it names a bug, not an outage.
_OUTAGE_CLASSES = frozenset({"08", "53", "57", "58"})
# Single codes of other classes: the transaction lost a race and the same work will succeed when run again.
_OUTAGE_CODES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
        "55006",  # object_in_use
    }
)
# The messages asyncpg raises before a connection has a SQLSTATE to give (e.g. while the server starts).
_OUTAGE_MESSAGES = (
    "the database system is starting up",
    "the database system is not yet accepting connections",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "connection was closed in the middle of operation",
)


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE a database error carries (asyncpg's, through SQLAlchemy's wrapper), if any."""
    for candidate in (exc, getattr(exc, "orig", None), getattr(getattr(exc, "orig", None), "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str) and code:
            return code
    return None


def _one_is_outage(exc: BaseException) -> bool:
    if isinstance(exc, BusUnavailable | OperationalError | InterfaceError | PoolTimeout | OSError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    code = sqlstate(exc)
    if code is not None:
        return code[:2] in _OUTAGE_CLASSES or code in _OUTAGE_CODES
    text = str(exc).lower()
    return isinstance(exc, DBAPIError) and any(message in text for message in _OUTAGE_MESSAGES)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is an outage of the database or the broker, or a lost race that will
    pass: the work is to be retried as it is, never dead-lettered or refused."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _one_is_outage(current):
            return True
        current = current.__cause__  # raised from it; not __context__: a bug raised while handling an outage is a bug
    return False
