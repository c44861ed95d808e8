"""Outages are waited out and retried, bad records dead-lettered, told by the errors PostgreSQL really raises: a
plpgsql function the test creates fails with a given SQLSTATE for the first few calls, a lock held by another
session runs out the consumer's lock_timeout, a numeric overflow is the record's own. Also: a failed batch is
bisected, and the relay outlives a pool with no free connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common.db import create_engine
from libs.common.messaging.bus import Bus, Record
from libs.common.messaging.consumer import ConsumerRunner
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.outbox_relay import OutboxRelay
from libs.common.messaging.topics import CLAIMS_SETTLED, dead_letter_topic
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.outages import is_outage
from libs.common.runtime import build_bus
from tests import backends
from tests.conftest import make_settings
from tests.integration.harness import Harness, add_to_total, claim, dlq_headers, make_harness, metadata, tables, totals
from tests.integration.monitoring_harness import delivery
from tests.integration.test_bus import fetch_n

pytestmark = pytest.mark.integration

_FAULT = """
CREATE FUNCTION fault(code text, message text, times int) RETURNS void AS $$
BEGIN
    -- A sequence, not a table: its calls are counted though the failing transaction rolls back.
    IF nextval('fault_calls') <= times THEN
        RAISE EXCEPTION '%', message USING ERRCODE = code;
    END IF;
END $$ LANGUAGE plpgsql
"""


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    name = backends.unique("sn_out_")
    with backends.postgres_databases(pg_admin_url, [name]):
        yield backends.database_url(pg_admin_url, name)


@pytest.fixture
async def harness(pg_url: str, bus: Bus) -> AsyncIterator[Harness]:
    group = backends.unique("grp")
    await bus.ensure_topics([dead_letter_topic(group)])
    h = await make_harness(pg_url, bus, group)
    async with h.engine.begin() as conn:
        await conn.execute(sa.text("CREATE SEQUENCE fault_calls"))
        await conn.execute(sa.text(_FAULT))
    yield h
    await h.runner.stop()
    await h.engine.dispose()


def failing(code: str, message: str, times: int) -> Any:
    """The harness's handler, after a statement that fails with ``code`` the first ``times`` calls."""

    async def handle(uow: UnitOfWork, event: ClaimSettledV1, envelope: Envelope) -> None:
        await uow.conn.execute(
            sa.text("SELECT fault(:code, :message, :times)"), {"code": code, "message": message, "times": times}
        )
        await add_to_total(uow, event, envelope)

    return handle


async def publish_claims(harness: Harness, *claim_ids: str, amount: str = "100.00") -> None:
    async with harness.uow() as uow:
        for claim_id in claim_ids:
            uow.publish(claim(claim_id, amount=amount), subject="p1")
        await uow.commit()
    await harness.relay.publish_pending()


async def run_through_outages(harness: Harness, records: int, attempts: int = 20) -> list[BaseException]:
    """Run the consumer until it has processed ``records``, as its loop would: an outage raises out of a turn and
    the turn is tried again. Returns the outages seen."""
    seen: list[BaseException] = []
    for _ in range(attempts):
        if harness.runner.processed >= records:
            break
        try:
            await harness.runner.run_once()
        except Exception as exc:
            if not is_outage(exc):
                raise
            seen.append(exc)
    return seen


async def dead_letters(bus: Bus, group: str, count: int) -> list[dict[str, str]]:
    dlq = bus.consumer(backends.unique("dlq-reader"), [dead_letter_topic(group)])
    await dlq.start()
    dead = await fetch_n(dlq, count)
    await dlq.stop()
    return [dlq_headers(d) for d in dead]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("57P03", "the database system is starting up"),  # crash recovery
        ("57P01", "terminating connection due to administrator command"),
        ("40001", "could not serialize access due to concurrent update"),
        ("40P01", "deadlock detected"),
        ("55P03", "canceling statement due to lock timeout"),
        ("53300", "sorry, too many clients already"),
    ],
)
async def test_a_statement_failing_with_an_outage_is_retried_and_the_event_handled_once(
    harness: Harness, code: str, message: str
) -> None:
    # Five failures: more than the batch's try and a single record's three. Then the statement succeeds.
    harness.runner._handlers = {ClaimSettledV1: failing(code, message, times=5)}
    await publish_claims(harness, "c-1")
    outages = await run_through_outages(harness, 1)
    assert len(outages) == 5
    assert (await harness.total(), harness.runner.dead_lettered) == (Decimal("100.00"), 0)
    async with harness.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(tables.inbox)) == 1


async def test_a_statement_failing_for_its_record_is_dead_lettered_with_a_short_error(
    harness: Harness, bus: Bus
) -> None:
    harness.runner._handlers = {ClaimSettledV1: failing("22003", "numeric field overflow", times=100)}
    await publish_claims(harness, "c-1")
    assert await run_through_outages(harness, 1) == []
    assert (await harness.total(), harness.runner.dead_lettered) == (None, 1)
    [headers] = await dead_letters(bus, harness.runner.group, 1)
    assert headers["dlq-error"] == "DBAPIError [22003]: numeric field overflow"


async def test_a_dead_letter_error_carries_neither_the_statement_nor_the_records_values(
    harness: Harness, bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    # A real overflow: 999,999,999,999.00 + 5.43 does not fit the totals' NUMERIC(14, 2).
    async with harness.engine.begin() as conn:
        await conn.execute(totals.insert().values(person_key="p1", amount=Decimal("999999999999.00")))
    await publish_claims(harness, "c-1", amount="5.43")
    with caplog.at_level(logging.WARNING):
        assert await run_through_outages(harness, 1) == []
    assert harness.runner.dead_lettered == 1
    [headers] = await dead_letters(bus, harness.runner.group, 1)
    error = headers["dlq-error"]
    assert error.startswith("DBAPIError [22003]: numeric field overflow") and len(error) <= 300
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "dead-lettered" in logged
    for text in (error, logged):
        assert "SQL:" not in text and "parameters:" not in text and "UPDATE" not in text
        assert "5.43" not in text and "'p1'" not in text


async def test_a_row_lock_held_elsewhere_ends_as_a_lock_timeout_and_a_retry(pg_url: str, bus: Bus) -> None:
    # Another session holds p1's totals row; the consumer's update waits at most its lock_timeout (0.2 s here),
    # fails as an outage (55P03), and succeeds once the other session has ended.
    group = backends.unique("grp")
    await bus.ensure_topics([dead_letter_topic(group)])
    h = await make_harness(pg_url, bus, group)
    h.runner = ConsumerRunner(
        group=group, bus=bus, uow_factory=h.uow, handlers={ClaimSettledV1: add_to_total}, inbox=tables.inbox,
        lock_timeout=0.2,
    )  # fmt: skip
    try:
        async with h.engine.begin() as conn:
            await conn.execute(totals.insert().values(person_key="p1", amount=Decimal("1.00")))
        await publish_claims(h, "c-1")
        outages: list[BaseException] = []
        async with h.engine.connect() as holder:
            await holder.execute(totals.update().values(amount=totals.c.amount))  # takes the row lock
            for _ in range(3):
                with pytest.raises(Exception) as caught:
                    await h.runner.run_once()
                outages.append(caught.value)
            await holder.commit()
        assert all(is_outage(exc) for exc in outages)
        assert {getattr(exc.orig, "sqlstate", None) for exc in outages} == {"55P03"}  # type: ignore[attr-defined]
        assert await run_through_outages(h, 1) == []
        assert (await h.total(), h.runner.dead_lettered) == (Decimal("101.00"), 0)
    finally:
        await h.runner.stop()
        await h.engine.dispose()


async def test_a_consumer_refuses_to_run_at_another_isolation_level(pg_url: str, bus: Bus) -> None:
    # A batch that waited for the batch before it must see what that one committed: READ COMMITTED. At REPEATABLE
    # READ the consumer stops (no record is dead-lettered, nothing is committed).
    group = backends.unique("grp")
    await bus.ensure_topics([dead_letter_topic(group)])
    h = await make_harness(pg_url, bus, group)
    h.engine = h.engine.execution_options(isolation_level="REPEATABLE READ")
    try:
        await publish_claims(h, "c-1")
        with pytest.raises(RuntimeError, match="repeatable read, not read committed"):
            await h.runner.run_once()
        assert (await h.total(), h.runner.dead_lettered) == (None, 0)
    finally:
        await h.runner.stop()
        await h.engine.dispose()


class CountingUnitOfWork(UnitOfWork):
    transactions = 0

    async def __aenter__(self) -> CountingUnitOfWork:
        type(self).transactions += 1
        return await super().__aenter__()


async def test_a_failed_batch_is_bisected_down_to_its_poison_record(harness: Harness) -> None:
    # 64 claims of 1.00, one of them poison (the handler rejects it). The batch, then one half of each half down to
    # the poison record, then its two more tries: 1 + 2·6 + 2 = 15 transactions, not 1 + 64 + 2.
    ids = [f"c-{i}" for i in range(64)]
    ids[37] = "poison-37"

    class Counted(CountingUnitOfWork):
        transactions = 0

    harness.runner._uow_factory = lambda: Counted(harness.engine, tables, "/safetynet/test")
    poison_headers: list[str] = []
    deliveries = [delivery(claim(i, amount="1.00"), "p1") for i in ids]
    original_dead_letter = harness.runner._dead_letter

    async def dead_letter(poison: Any) -> None:
        poison_headers.extend(p.error for p in poison)
        await original_dead_letter(poison)

    harness.runner._dead_letter = dead_letter  # type: ignore[method-assign]
    await harness.runner.process(deliveries)
    assert Counted.transactions == 15
    assert harness.runner.dead_lettered == 1 and poison_headers == ["ValueError: handler rejects poison-37"]
    assert await harness.total() == Decimal("63.00")  # every other claim once
    async with harness.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(tables.inbox)) == 63


@contextlib.asynccontextmanager
async def relay_running(relay: OutboxRelay) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(relay.run())
    try:
        yield task
    finally:
        relay.stopping = True
        relay.wakeup.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def wait_until_published(relay: OutboxRelay, task: asyncio.Task[None]) -> None:
    async with asyncio.timeout(20):
        while await relay.backlog():
            assert not task.done(), task.exception()
            relay.wakeup.set()
            await asyncio.sleep(0.05)


async def test_the_relay_outlives_a_pool_with_no_free_connection(tmp_path: Path) -> None:
    bus = build_bus(make_settings(tmp_path), "relay-outage")
    await bus.start()
    await bus.ensure_topics([CLAIMS_SETTLED])
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path}/relay.sqlite", pool_size=2, max_overflow=0, pool_timeout=0.05
    )
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    relay = OutboxRelay(engine, tables, bus, poll_interval=0.05)
    try:
        # Both of the pool's connections held: the relay's turn times out waiting for one, again and again.
        async with engine.connect() as held, engine.connect() as also_held, relay_running(relay) as task:
            await asyncio.sleep(0.5)
            assert not task.done()
            await held.close()
            await also_held.close()
            async with UnitOfWork(engine, tables, "/safetynet/test") as uow:
                uow.publish(claim("c-1"), subject="p1")
                await uow.commit()
            await wait_until_published(relay, task)
    finally:
        await engine.dispose()
        await bus.stop()


async def test_a_failure_of_the_relays_own_ends_its_run_for_the_supervisor_to_see(tmp_path: Path) -> None:
    """Not an outage: retrying it inside the relay would hide it from /healthz and the restart count
    (libs/common/supervisor.py restarts the relay; tests/integration/test_supervised_runtime.py)."""
    bus = build_bus(make_settings(tmp_path), "relay-failure")
    await bus.start()
    await bus.ensure_topics([CLAIMS_SETTLED])
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/relay.sqlite")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    relay = OutboxRelay(engine, tables, bus, poll_interval=0.05)

    async def publish_failing(records: Sequence[Record]) -> None:
        raise ValueError("a bug of the relay's own")

    bus.publish = publish_failing  # type: ignore[method-assign]
    try:
        async with UnitOfWork(engine, tables, "/safetynet/test") as uow:
            uow.publish(claim("c-1"), subject="p1")
            await uow.commit()
        with pytest.raises(ValueError, match="a bug of the relay's own"):
            async with asyncio.timeout(30):
                await relay.run()
        assert await relay.backlog() == 1  # still in the outbox for the restarted relay
    finally:
        await engine.dispose()
        await bus.stop()
