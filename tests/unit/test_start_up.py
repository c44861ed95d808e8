"""A start-up step waits out an outage, saying so in one line rather than one per attempt, and fails at once on
anything else (a bad migration must not be retried forever)."""

from __future__ import annotations

import logging

import pytest

from libs.common.start_up import until_done


async def test_an_outage_is_waited_out_with_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[int] = []

    async def database_up_at_the_fifth_attempt() -> None:
        attempts.append(1)
        if len(attempts) < 5:
            raise ConnectionRefusedError(111, "Connect call failed")

    caplog.set_level(logging.WARNING, logger="libs.common.start_up")
    await until_done("assistance", "数据库 / the database", database_up_at_the_fifth_attempt, first_backoff=0.001)
    assert len(attempts) == 5
    waiting = [r for r in caplog.records if "waiting for 数据库 / the database" in r.getMessage()]
    assert len(waiting) == 1


async def test_anything_else_fails_at_once() -> None:
    attempts: list[int] = []

    async def bad_migration() -> None:
        attempts.append(1)
        raise ValueError("column does not exist in revision 0042")

    with pytest.raises(ValueError, match="0042"):
        await until_done("assistance", "数据库 / the database", bad_migration, first_backoff=0.001)
    assert attempts == [1]
