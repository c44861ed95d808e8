"""Repeated warnings of one kind: at most one line per period, and the next line says how many it stands for."""

from __future__ import annotations

import logging
import re

import pytest

from libs.common.log_limits import LimitedWarnings, RepeatedLibraryLines


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_thousand_identical_failures_make_a_few_lines_that_count_the_rest(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    warnings = LimitedWarnings(logging.getLogger("test.limits"), period=30.0, clock=clock)
    with caplog.at_level(logging.WARNING, logger="test.limits"):
        for attempt in range(1000):  # one failure every 0.125 s: 125 s in all
            warnings.warning("retry", "consumer: broker unavailable; retrying in %.1fs", 0.2)
            clock.now += 0.125
            if attempt == 499:
                warnings.warning("other", "outbox relay: broker unavailable")  # another kind: not held back
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("consumer")]
    assert len(lines) == 5  # at 0, 30, 60, 90 and 120 s
    assert lines[0] == "consumer: broker unavailable; retrying in 0.2s"
    suppressed = [int(re.search(r"and (\d+) more like it in the last 30 s", line).group(1)) for line in lines[1:]]  # type: ignore[union-attr]
    assert suppressed == [239] * 4  # 240 a period, one of them logged
    assert sum(suppressed) + len(lines) == 1000 - 39  # the last 39, within the period, wait for the next line
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("outbox")] == [
        "outbox relay: broker unavailable"
    ]


def test_a_line_names_its_callers_place(caplog: pytest.LogCaptureFixture) -> None:
    warnings = LimitedWarnings(logging.getLogger("test.limits"))
    with caplog.at_level(logging.WARNING, logger="test.limits"):
        warnings.warning("k", "once")
    assert caplog.records[0].funcName == "test_a_line_names_its_callers_place"


def test_a_librarys_repeated_warnings_are_held_back_on_the_handler_and_ours_are_not() -> None:
    clock = Clock()
    held = RepeatedLibraryLines(period=30.0, clock=clock)

    def record(name: str, msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)

    passed = []
    for attempt in range(100):  # aiokafka during a broker cut: the same line with a different node each time
        line = record("aiokafka.conn", "Unable connect to node with id %s: %s", attempt % 3, "refused")
        if held.filter(line):
            passed.append(line.getMessage())
        ours = record("libs.common.messaging.consumer", "monitoring: retrying in %.1fs", 0.2)
        assert held.filter(ours)  # our own lines: LimitedWarnings decides for them
        clock.now += 0.5  # 100 attempts over 50 s
    assert passed == [
        "Unable connect to node with id 0: refused",
        # at 30 s: the 59 attempts held back between 0.5 and 29.5 s
        "Unable connect to node with id 0: refused (and 59 more like it in the last 30 s)",
    ]
