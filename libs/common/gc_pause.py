"""Pausing Python's cyclic garbage collector while a large import builds and holds its rows, or while a consumer
handles a fetched batch.

A 100,000-row roster keeps hundreds of thousands of objects alive at once (the parsed sheet, its events, the COPY
records), and CPython starts a full collection whenever the surviving objects grow by a quarter: about a dozen in
one import, each walking every live object, 2.5-4 s of a 10-13 s upload spent finding no garbage, since these
objects are freed by reference counting anyway. While paused, reference counting still frees everything at once;
only reference cycles wait, until the last pause ends and the collector runs as usual again.

Process-wide (the collector is), so pauses are counted: overlapping imports (or four services in one process, as
``make run`` hosts them) resume collection only when the last one ends, and a collector that was already off
stays off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (and any block overlapping it)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
