"""Pausing Python's cyclic garbage collector while a large import builds and holds its rows, or while a consumer
handles a fetched batch.

A 100,000-row roster keeps hundreds of thousands of objects alive at once (the parsed sheet, its events, the COPY
records), and CPython starts a full collection whenever the surviving objects grow by a quarter: about a dozen in
one import, each walking every live object, 2.5-4 s of a 10-13 s upload spent finding no garbage, since these
objects are freed by reference counting anyway. While paused, reference counting still frees everything at once;
only reference cycles wait, until the last pause ends and the collector runs as usual again.

Process-wide (the collector is), so pauses are counted: overlapping imports (or four services in one process, as
``make run`` hosts them) resume collection only when the last one ends, and a collector that was already off
stays off. A busy run's periodic resumption (``PausedWhileBusy``) does not wait for the others: while another
run still holds the pause, it runs the collection that is due itself.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

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


def _collect_if_held_by_others() -> None:
    """Run the collection the pauses put off, if the collector stays off only because other pauses still hold it
    (not when it resumed on its own, nor when it was off before any pause)."""
    with _lock:
        held = _depth > 0 and _resume
    if held:
        gc.collect(_due_generation())


def _due_generation() -> int:
    """The oldest generation whose count is past its threshold (the youngest when none is: the objects allocated
    while paused are all in it). The collector's own choice, except that CPython also holds a full collection back
    until the long-lived objects have grown by a quarter; here one runs about every 120 such collections."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            return generation
    return 0


class PausedWhileBusy:
    """The collector paused across a run of busy steps (a consumer's batches), resumed for a moment every
    ``every`` steps and whenever the run goes idle or ends.

    Pausing batch by batch was not enough: each resumption walked the next batch, fetched and decoded ahead and
    alive at that moment (~20,000 objects, ~5 ms), once per batch. Reference cycles made meanwhile wait at most
    ``every`` steps, also while other runs (other consumers of the process) hold the pause.
    """

    def __init__(self, every: int) -> None:
        self._every = every
        self._steps = 0
        self._pause: ExitStack | None = None

    def step(self) -> None:
        """One busy step (a batch), run paused; after ``every`` of them, collection resumes for a moment first
        (the next allocation starts the collection the paused steps put off)."""
        if self._steps == self._every:
            self.idle()
            _collect_if_held_by_others()
        if self._pause is None:
            self._pause = ExitStack()
            self._pause.enter_context(collector_paused())
        self._steps += 1

    def idle(self) -> None:
        """Resume collection (if this run had paused it)."""
        if self._pause is not None:
            pause, self._pause = self._pause, None
            self._steps = 0
            pause.close()
