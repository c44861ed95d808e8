"""The collector pause of large imports and busy consumers: counted, so overlapping pauses resume collection only at
the last end."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from libs.common.gc_pause import PausedWhileBusy, collector_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_pauses_resume_only_when_the_last_one_ends() -> None:
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first import ends while the second still runs
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_failed_import_resumes_the_collector() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("bad row")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_a_busy_run_stays_paused_and_lets_the_collector_run_only_between_runs_of_steps() -> None:
    started = 0

    def count(phase: str, info: dict[str, int]) -> None:
        nonlocal started
        started += phase == "start"

    busy = PausedWhileBusy(every=3)
    kept: list[list[int]] = []
    during_steps, between_steps, enabled = [], [], []
    gc.callbacks.append(count)
    try:
        for _ in range(7):
            before = started
            busy.step()
            during_steps.append(started - before)
            enabled.append(gc.isenabled())
            before = started
            kept.extend([] for _ in range(2000))  # a batch's live objects: enough to start a collection were it on
            between_steps.append(started - before)
        busy.idle()
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(count)
    assert enabled == [False] * 7
    assert between_steps == [0] * 7  # never while a step runs
    # Steps 1-3 and 4-6 paused together; collection resumed just before steps 4 and 7, and collected then.
    assert [n > 0 for n in during_steps] == [False, False, False, True, False, False, True]


def test_two_busy_runs_stepping_in_turn_each_let_the_collector_run_every_few_steps() -> None:
    # Two consumers of one process (make run hosts four services), busy at once: one of them always holds the
    # pause, so the collector never resumes on its own; each run's every-3rd-step mark still collects.
    started: list[str] = []
    stepping = ""

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(stepping)

    first, second = PausedWhileBusy(every=3), PausedWhileBusy(every=3)
    kept: list[list[int]] = []
    gc.callbacks.append(record)
    try:
        for _ in range(10):
            for name, busy in (("first", first), ("second", second)):
                stepping = name
                busy.step()
                stepping = ""
                assert not gc.isenabled()
                kept.extend([] for _ in range(2000))  # live objects: enough to start a collection were it on
        stepping = "idle"  # the collector resumes on its own from here
        first.idle()
        second.idle()
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(record)
    # Ten steps each, resumed before steps 4, 7 and 10 of each: three collections each, none between the steps.
    assert started.count("first") == 3 and started.count("second") == 3
    assert "" not in started
