"""The one clock: "today" as the agencies count it (the Beijing date, whatever zone the server runs in) and "now"
as a UTC instant. No other module reads the machine's time (tests/unit/test_one_clock.py fails if one does).

A clock may start on another date (``SAFETYNET_TODAY``, for drills and tests): it is then the machine's clock
shifted by whole days, so that its Beijing date is that date when it is made, and time flows from there at the
machine's pace with the machine's time of day. Envelope times, ``flagged_at``, the day a referral opens and the
deadlines counted from it all agree with the shifted date, and a service restarted the same machine day carries on
where it stopped.

One clock per process, installed by the bootstrap (``services.system.running``, each service's lifespan, the
``safetynet`` command) from settings and put back on exit, rather than a clock threaded through ``ServiceRuntime``
and ``app.state``: the instants that carry business meaning are stamped where no runtime is in reach — the
envelope's ``time`` (a pydantic default), SQLAlchemy column defaults (``flagged_at``, ``recorded_at``,
``issued_at``), the millisecond of an event id, the "born after today" check of an ID number — and the pure domain
modules and handlers that call them must not take a framework object. One process is also one deployment: the four
services of ``make run`` share it and must agree on the day. Before anything is installed it is the machine's clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["CHINA", "Clock", "china_date", "china_today", "current", "installed", "unix_ms", "utc_now"]

CHINA = ZoneInfo("Asia/Shanghai")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NS_PER_DAY = 86_400 * 10**9


def china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


class Clock:
    """The machine's time, or the machine's time shifted by whole days so that today is ``start`` when made.

    ``machine`` gives nanoseconds since the Unix epoch; only the clock's own tests replace it.
    """

    def __init__(self, start: date | None = None, *, machine: Callable[[], int] = time.time_ns) -> None:
        self._machine = machine
        self.start = start
        self._offset_ns = 0
        if start is not None:
            self._offset_ns = (start - china_date(self._at(machine()))).days * _NS_PER_DAY

    def now(self) -> datetime:
        """This instant, in UTC."""
        return self._at(self._machine() + self._offset_ns)

    def today(self) -> date:
        """Today's date in China (UTC+8): a UTC evening from 16:00 on is already tomorrow."""
        return china_date(self.now())

    def unix_ms(self) -> int:
        """Milliseconds since the Unix epoch: the time part of an event id, without building a datetime."""
        return (self._machine() + self._offset_ns) // 1_000_000

    @staticmethod
    def _at(ns: int) -> datetime:
        return _EPOCH + timedelta(microseconds=ns // 1000)


_current = Clock()


def current() -> Clock:
    return _current


@contextmanager
def installed(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the process's clock until the block ends, then put back the one it replaced."""
    global _current
    previous, _current = _current, clock
    try:
        yield clock
    finally:
        _current = previous


def china_today() -> date:
    return _current.today()


def utc_now() -> datetime:
    return _current.now()


def unix_ms() -> int:
    return _current.unix_ms()
