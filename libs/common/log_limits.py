"""Repeated warnings of one kind logged at most once per period, with a count of the ones left out.

An outage makes every retry loop warn on each attempt: a broker cut once wrote 2,578 lines in 25 s from one
service, burying the first line that said what happened. A kind is what the caller names it (usually one line of
code and its subject, e.g. "consumer-retry:monitoring"); the first warning of a kind is logged at once, the next
ones within ``period`` seconds are counted, and the first one after the period says how many it stands for.

The standard library has no such filter; log-rate-limit (PyPI) keys its streams by source line through a logger
filter, which would also hold back the lines of a kind a caller wants logged in full, and words the count its own
way. The rule here is a few lines, and a test pins it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Kind:
    logged_at: float
    suppressed: int = 0


class LimitedWarnings:
    """``warning(kind, msg, *args)``: like ``logger.warning``, at most once per ``period`` seconds per kind."""

    def __init__(
        self, logger: logging.Logger, period: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._logger = logger
        self._period = period
        self._clock = clock
        self._kinds: dict[str, _Kind] = {}

    def warning(self, kind: str, msg: str, *args: object, exc_info: bool = False) -> None:
        now = self._clock()
        seen = self._kinds.get(kind)
        if seen is not None and now - seen.logged_at < self._period:
            seen.suppressed += 1
            return
        if seen is not None and seen.suppressed:
            msg = f"{msg} (and %d more like it in the last %.0f s)"
            args = (*args, seen.suppressed, now - seen.logged_at)
        self._kinds[kind] = _Kind(logged_at=now)
        # stacklevel 2: the record names the caller's line, not this one.
        self._logger.warning(msg, *args, exc_info=exc_info, stacklevel=2)


class RepeatedLibraryLines(logging.Filter):
    """On a handler: the warnings of the libraries we call (aiokafka retries a lost broker on every request and
    says so each time) at most once per ``period`` per logger and message template, the next one after the period
    carrying how many it stands for. Our own lines are left alone: ``LimitedWarnings`` already chooses for them."""

    def __init__(
        self,
        prefixes: tuple[str, ...] = ("aiokafka",),
        period: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._prefixes = prefixes
        self._period = period
        self._clock = clock
        self._kinds: dict[tuple[str, str], _Kind] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self._prefixes):
            return True
        now = self._clock()
        kind = (record.name, str(record.msg))
        seen = self._kinds.get(kind)
        if seen is not None and now - seen.logged_at < self._period:
            seen.suppressed += 1
            return False
        if seen is not None and seen.suppressed and isinstance(record.args, tuple):
            record.msg = f"{record.msg} (and %d more like it in the last %.0f s)"
            record.args = (*record.args, seen.suppressed, now - seen.logged_at)
        self._kinds[kind] = _Kind(logged_at=now)
        return True
