"""Repeated warnings of one kind: at most one line per period, and the next line says how many it stands for."""

from __future__ import annotations

import logging
import re

import pytest

from libs.common.log_limits import LimitedWarnings


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
