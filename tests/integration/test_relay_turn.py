"""The relay's turn on PostgreSQL: one replica's relay publishes at a time, keeps its turn and its connection from
pass to pass, gives both back when it stops, and takes a new turn when its connection is lost."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from libs.common.messaging.outbox_relay import RELAY_LOCK, OutboxRelay
from libs.common.runtime import build_bus
from tests import backends
from tests.conftest import make_settings
from tests.integration.harness import Harness, claim, make_harness, tables

pytestmark = pytest.mark.integration

# Who holds the relay's advisory lock (a one-key bigint lock shows as classid 0, objid = the key).
_HOLDER = sa.text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = :key"
).bindparams(key=RELAY_LOCK)


@pytest.fixture
async def pg_harness(pg_admin_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    name = backends.unique("sn_relay_")
    bus = build_bus(make_settings(tmp_path), "relay-test")  # the embedded bus: the turn is about the database
    await bus.start()
    with backends.postgres_databases(pg_admin_url, [name]):
        h = await make_harness(backends.database_url(pg_admin_url, name), bus, "grp")
        yield h
        await h.engine.dispose()
    await bus.stop()


async def _holder(harness: Harness) -> int | None:
    async with harness.engine.connect() as conn:
        pid = await conn.scalar(_HOLDER)
    return None if pid is None else int(pid)


def _pooled(harness: Harness) -> int:
    pool: Any = harness.engine.pool  # a QueuePool: how many connections wait in it
    return int(pool.checkedin())


async def _publish(harness: Harness, claim_id: str) -> None:
    async with harness.uow() as uow:
        uow.publish(claim(claim_id), subject="p1")
        await uow.commit()


async def _eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        await asyncio.sleep(0.05)


async def _all_published(harness: Harness) -> bool:
    return await harness.outbox_count(unpublished=True) == 0


async def _stopped(relay: OutboxRelay, task: asyncio.Task[None]) -> None:
    relay.stopping = True
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_only_one_relay_publishes_at_a_time_on_postgresql(pg_harness: Harness) -> None:
    harness = pg_harness
    await _publish(harness, "c-1")
    async with harness.engine.connect() as other_replica:
        assert await other_replica.scalar(sa.select(sa.func.pg_try_advisory_lock(RELAY_LOCK)))
        assert await harness.relay.publish_pending() == 0  # the other replica holds the turn
        await other_replica.scalar(sa.select(sa.func.pg_advisory_unlock(RELAY_LOCK)))
    assert await harness.relay.publish_pending() == 1


async def test_a_running_relay_keeps_its_turn_between_passes_and_gives_it_back_when_stopped(
    pg_harness: Harness,
) -> None:
    harness = pg_harness
    relay = harness.relay
    task = asyncio.create_task(relay.run())
    await _publish(harness, "c-1")
    await _eventually(lambda: _all_published(harness), "the first event published")
    first = await _holder(harness)
    assert first is not None
    await _publish(harness, "c-2")
    await _eventually(lambda: _all_published(harness), "the second event published")
    assert await _holder(harness) == first  # the same session: the turn was not given back between passes
    async with harness.engine.connect() as other_replica:
        assert not await other_replica.scalar(sa.select(sa.func.pg_try_advisory_lock(RELAY_LOCK)))

    await _stopped(relay, task)

    async def given_back() -> bool:
        return await _holder(harness) is None

    # A stop that lands mid-statement leaves a connection that cannot be cleaned: the relay closes it, and the
    # server ends that session (and its lock) a moment later, a moment that grew past the check's first look when
    # CI ran on a loaded machine. The turn must be free within seconds, not at the very instant stop returns.
    await _eventually(given_back, "the turn given back after stop", timeout=5.0)
    async with harness.engine.connect() as other_replica:
        assert await other_replica.scalar(sa.select(sa.func.pg_try_advisory_lock(RELAY_LOCK)))
        await other_replica.scalar(sa.select(sa.func.pg_advisory_unlock(RELAY_LOCK)))
    # The turn's session setting went back with it: every pooled connection (the relay's among them, all checked
    # out at once) plans as any other.
    async with contextlib.AsyncExitStack() as stack:
        pooled = [await stack.enter_async_context(harness.engine.connect()) for _ in range(_pooled(harness))]
        assert len(pooled) >= 1
        assert [await conn.scalar(sa.text("SHOW enable_bitmapscan")) for conn in pooled] == ["on"] * len(pooled)
    assert await harness.consume_until(2) == 2


async def test_a_relay_waiting_for_the_turn_publishes_once_the_other_replica_lets_go(pg_harness: Harness) -> None:
    harness = pg_harness
    relay = OutboxRelay(harness.engine, tables, harness.bus, poll_interval=0.1)
    async with harness.engine.connect() as other_replica:
        assert await other_replica.scalar(sa.select(sa.func.pg_try_advisory_lock(RELAY_LOCK)))
        task = asyncio.create_task(relay.run())
        await _publish(harness, "c-1")
        await asyncio.sleep(1.0)  # ten polls, each refused the turn
        assert await harness.outbox_count(unpublished=True) == 1
        await other_replica.scalar(sa.select(sa.func.pg_advisory_unlock(RELAY_LOCK)))
    await _eventually(lambda: _all_published(harness), "published after the other replica let go")
    await _stopped(relay, task)
    assert await harness.consume_until(1) == 1


async def test_a_relay_whose_connection_is_killed_takes_a_new_turn_and_loses_nothing(pg_harness: Harness) -> None:
    harness = pg_harness
    task = asyncio.create_task(harness.relay.run())
    await _publish(harness, "c-1")
    await _eventually(lambda: _all_published(harness), "the first event published")
    first = await _holder(harness)
    async with harness.engine.connect() as admin:
        assert await admin.scalar(sa.select(sa.func.pg_terminate_backend(first)))
    await _publish(harness, "c-2")
    await _publish(harness, "c-3")
    await _eventually(lambda: _all_published(harness), "the events committed after the kill published")
    second = await _holder(harness)
    assert second is not None and second != first
    await _stopped(harness.relay, task)
    assert await harness.consume_until(3) == 3
    assert await harness.total() == 300  # c-1..c-3, 100.00 each, each once
