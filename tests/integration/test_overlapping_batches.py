"""Two batches in their transactions at once (ConsumerRunner's ``overlap``, PostgreSQL only), on both buses:
the later batch starts while the earlier one is still open, offsets are committed in order, a failure takes both
back, and claims handled that way add up exactly as when handled one batch after the other."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.db import create_engine
from libs.common.messaging.bus import Bus, BusUnavailable, Record
from libs.common.messaging.consumer import Batched, ConsumerRunner
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.topics import CLAIMS_SETTLED, dead_letter_topic
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.migrations import upgrade
from libs.common.policy import PolicyBook, load_book
from services.monitoring.consumers import handler_table
from services.monitoring.domain import BurdenParts
from services.monitoring.rebuild import kept_totals
from services.monitoring.tables import messaging, risk_flags
from tests import backends
from tests.integration import monitoring_harness
from tests.integration.harness import claim, metadata, tables, totals
from tests.integration.test_bus import fetch_n

pytestmark = pytest.mark.integration

BATCH = 40
# How long a batch waits for the next one to start before it concludes that the next one waits for it. An overlap
# starts within milliseconds; only the batches that must not overlap wait this long.
NEXT_BATCH_WAIT = 2.0


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    name = backends.unique("ovl_")
    with backends.postgres_databases(pg_admin_url, [name]):
        yield backends.database_url(pg_admin_url, name)


def record(event: ClaimSettledV1, key: str) -> Record:
    return Record(CLAIMS_SETTLED, key, monitoring_harness.envelope_of(event, key).to_bytes())


@dataclass
class Batches:
    """What each batch's handler saw: its claim ids, and whether the batch after it (by position in the topic, not
    by when its handler started: the two start in either order) started while it was open."""

    ids: list[str]
    claim_ids: list[list[str]] = field(default_factory=list)
    next_started: dict[str, bool] = field(default_factory=dict)  # by the batch's first claim id
    started: dict[str, asyncio.Event] = field(default_factory=dict)  # by the batch's first claim id
    fail_first_batch_once: bool = False
    stop: Callable[[], None] | None = None  # called when the third batch starts
    ordered: bool = False  # whether the handler's write waits for the batch before it (after_previous_batch)
    in_write_order: list[str] = field(default_factory=list)  # by the batches' first claim ids
    returned: set[str] = field(default_factory=set)  # batches whose handler has returned, by first claim id
    returned_at_write: dict[str, set[str]] = field(default_factory=dict)  # what had returned when each one wrote

    def started_event(self, first_id: str) -> asyncio.Event:
        return self.started.setdefault(first_id, asyncio.Event())

    async def handle(self, uow: UnitOfWork, batch: Sequence[tuple[ClaimSettledV1, Envelope]]) -> None:
        mine = [e.claim_id for e, _ in batch]
        self.claim_ids.append(mine)
        self.started_event(mine[0]).set()
        if self.stop is not None and len(self.claim_ids) == 3:
            self.stop()
        if self.ordered:
            await uow.after_previous_batch()
        self.in_write_order.append(mine[0])
        self.returned_at_write[mine[0]] = set(self.returned)
        # Every batch adds to the same row: a later batch's upsert waits for the earlier one's commit.
        amount = sum((e.total_cost for e, _ in batch), Decimal(0))
        statement = pg_insert(totals).values(person_key="shared", amount=amount)
        await uow.conn.execute(
            statement.on_conflict_do_update(
                index_elements=["person_key"], set_={"amount": totals.c.amount + statement.excluded.amount}
            )
        )
        after = self.ids.index(mine[-1]) + 1
        if after < len(self.ids):  # a later batch will come
            try:
                await asyncio.wait_for(self.started_event(self.ids[after]).wait(), NEXT_BATCH_WAIT)
                self.next_started[mine[0]] = True
            except TimeoutError:
                self.next_started[mine[0]] = False
        if self.fail_first_batch_once and mine[0] == self.ids[0]:
            self.fail_first_batch_once = False
            raise BusUnavailable("test: the first batch's transaction fails after the second one started")
        self.returned.add(mine[0])

    def in_topic_order(self) -> list[list[str]]:
        return sorted(self.claim_ids, key=lambda b: self.ids.index(b[0]))


def alone_if_solo(events: Sequence[ClaimSettledV1]) -> bool:
    return not any(e.claim_id.startswith("solo") for e in events)


async def consume_until(runner: ConsumerRunner, done: Callable[[], bool], timeout: float = 60.0) -> None:
    """Run the service loop until ``done``, then set its stopping flag: the loop ends at its next turn, seeing the
    batch in flight through and committing its offsets."""
    task = asyncio.create_task(runner.run())
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline and not task.done():  # noqa: ASYNC110 - polling the runner
        await asyncio.sleep(0.05)
    runner.stopping = True
    await asyncio.wait_for(task, 30)
    await runner.stop()


async def make_runner(url: str, bus: Bus, handle: Batched) -> tuple[ConsumerRunner, AsyncEngine]:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    group = backends.unique("ovl")
    await bus.ensure_topics([dead_letter_topic(group)])
    runner = ConsumerRunner(
        group=group,
        bus=bus,
        uow_factory=lambda: UnitOfWork(engine, tables, "/safetynet/test"),
        handlers={ClaimSettledV1: handle},
        inbox=tables.inbox,
        max_records=BATCH,
        # A fetch that comes back empty sees the batch in flight through before fetching again: long enough that
        # a broker slow to hand out the next records (a fetch round trip on tansu can take over half a second)
        # is not taken for an empty topic.
        fetch_timeout=3.0,
        overlap=True,
    )
    return runner, engine


async def shared_total(engine: AsyncEngine) -> Decimal:
    async with engine.connect() as conn:
        amount = await conn.scalar(sa.select(totals.c.amount).where(totals.c.person_key == "shared"))
    assert amount is not None, "no batch wrote the shared row"
    return Decimal(amount)


async def test_a_batch_starts_while_the_one_before_is_open_unless_either_must_be_alone(pg_url: str, bus: Bus) -> None:
    # 200 claims of 1.00 in one partition (one key, so in this order), a claim that must be handled alone in the
    # middle. Fetched 40 at a time (or fewer, as the broker hands them out).
    ids = [f"c-{i}" for i in range(100)] + ["solo-1"] + [f"c-{i}" for i in range(100, 199)]
    await bus.publish([record(claim(i, amount="1.00"), "p1") for i in ids])
    batches = Batches(ids, ordered=True)
    runner, engine = await make_runner(pg_url, bus, Batched(batches.handle, overlaps=alone_if_solo))
    try:
        await consume_until(runner, lambda: runner.processed >= len(ids))
        in_order = batches.in_topic_order()
        assert [i for b in in_order for i in b] == ids  # each once, batches in order
        solo = [any(i.startswith("solo") for i in b) for b in in_order]
        assert solo.count(True) == 1 and len(solo) >= 5
        # The next batch started while this one was open exactly when neither of the two must be alone.
        expected = [not solo[k] and not solo[k + 1] for k in range(len(solo) - 1)]
        assert [batches.next_started[b[0]] for b in in_order[:-1]] == expected
        # Each batch wrote only after the one before it had ended, though it started while that one was open.
        assert batches.in_write_order == [b[0] for b in in_order]
        assert all(before[0] in batches.returned_at_write[b[0]] for before, b in itertools.pairwise(in_order))
        assert await shared_total(engine) == Decimal("200.00")  # 200 × 1.00, each batch upserting the same row
        # Every batch's offsets were committed (in order: a commit covers everything before it in the partition).
        assert await bus.consumer_lag(runner.group, [CLAIMS_SETTLED]) == {CLAIMS_SETTLED: 0}
    finally:
        await engine.dispose()


async def test_a_failed_batch_takes_the_batch_in_flight_after_it_back_with_it(pg_url: str, bus: Bus) -> None:
    # 120 claims of 1.00. The first batch fails (an infrastructure error) after the second started; the second is
    # seen to its end and commits, but its offsets are not committed. Both come again: the first batch's claims
    # are handled a second time, the second's are skipped by the inbox. The total is 120.00, not 80.00 or 160.00.
    ids = [f"c-{i}" for i in range(120)]
    await bus.publish([record(claim(i, amount="1.00"), "p1") for i in ids])
    batches = Batches(ids, fail_first_batch_once=True)
    runner, engine = await make_runner(pg_url, bus, Batched(batches.handle, overlaps=lambda _events: True))
    try:
        await consume_until(runner, lambda: {i for b in batches.claim_ids for i in b} == set(ids))
        first = next(b for b in batches.claim_ids if b[0] == ids[0])  # its failed attempt
        assert batches.next_started[ids[0]]
        handled = Counter(i for b in batches.claim_ids for i in b)
        assert {i for i, n in handled.items() if n == 2} == set(first)  # failed, rolled back, handled again
        assert {i for i, n in handled.items() if n == 1} == set(ids) - set(first)  # the rest once: the inbox
        assert await shared_total(engine) == Decimal("120.00")
        assert await bus.consumer_lag(runner.group, [CLAIMS_SETTLED]) == {CLAIMS_SETTLED: 0}
    finally:
        await engine.dispose()


async def test_a_batch_waiting_for_the_one_before_it_is_dropped_when_that_one_fails(pg_url: str, bus: Bus) -> None:
    # As above, but the handler writes only after the batch before it has ended: the second batch learns that the
    # first failed (PreviousBatchFailed) and is dropped with it. Both are handled again; the total is 120.00.
    ids = [f"c-{i}" for i in range(120)]
    await bus.publish([record(claim(i, amount="1.00"), "p1") for i in ids])
    batches = Batches(ids, fail_first_batch_once=True, ordered=True)
    runner, engine = await make_runner(pg_url, bus, Batched(batches.handle, overlaps=lambda _events: True))
    try:
        await consume_until(runner, lambda: runner.processed >= len(ids) and not batches.fail_first_batch_once)
        first = next(b for b in batches.claim_ids if b[0] == ids[0])
        second = next(b for b in batches.claim_ids if b[0] == ids[len(first)])
        handled = Counter(i for b in batches.claim_ids for i in b)
        assert {i for i, n in handled.items() if n == 2} >= set(first) | set(second)
        assert batches.in_write_order.count(ids[0]) == 2  # wrote, failed, wrote again
        assert await shared_total(engine) == Decimal("120.00")
        assert await bus.consumer_lag(runner.group, [CLAIMS_SETTLED]) == {CLAIMS_SETTLED: 0}
    finally:
        await engine.dispose()


async def test_a_stopping_consumer_sees_the_batch_in_flight_through_and_commits_it(pg_url: str, bus: Bus) -> None:
    # 400 claims of 1.00; the loop is told to stop when the third batch starts. Whatever it handled, it
    # committed on both sides, and no batch was cut off: the group's next consumer gets exactly the claims not
    # handled, and the database holds 1.00 for each claim handled.
    ids = [f"c-{i}" for i in range(400)]
    await bus.publish([record(claim(i, amount="1.00"), "p1") for i in ids])
    batches = Batches(ids)
    runner, engine = await make_runner(pg_url, bus, Batched(batches.handle, overlaps=lambda _events: True))

    def stop() -> None:
        runner.stopping = True

    batches.stop = stop
    try:
        await consume_until(runner, lambda: runner.stopping)
        handled = [i for b in batches.claim_ids for i in b]
        assert 0 < len(handled) < len(ids) and len(set(handled)) == len(handled)
        assert await shared_total(engine) == Decimal(len(handled))  # 1.00 a claim
        after = bus.consumer(runner.group, [CLAIMS_SETTLED])
        await after.start()
        rest = await fetch_n(after, len(ids) - len(handled))
        await after.stop()
        assert [Envelope.from_bytes(d.value).data["claim_id"] for d in rest] == ids[len(handled) :]
    finally:
        await engine.dispose()


async def monitor_through(
    url: str, bus: Bus, book: PolicyBook, records: int, *, overlap: bool
) -> tuple[int, dict[tuple[str, int], BurdenParts], list[tuple[Any, ...]]]:
    """The monitoring service's consumer on a database of its own: how many batches overlapped, the year's
    totals and the flags."""
    engine = create_engine(url)
    await upgrade(engine, monitoring_harness.MIGRATIONS)
    group = backends.unique("ovlm")
    await bus.ensure_topics([dead_letter_topic(group)])
    runner = ConsumerRunner(
        group=group,
        bus=bus,
        uow_factory=lambda: UnitOfWork(engine, messaging, "/safetynet/monitoring"),
        handlers=handler_table(book),
        inbox=messaging.inbox,
        max_records=BATCH,
        overlap=overlap,
    )
    f = risk_flags.c
    columns = (f.person_key, f.year, f.level, f.rule_id, f.claim_id, f.threshold)
    try:
        await consume_until(runner, lambda: runner.processed >= records)
        async with engine.connect() as conn:
            year = await kept_totals(conn, 2026)
            flags = await conn.execute(
                sa.select(*columns, f.cumulative_total_cost, f.cumulative_burden).order_by(f.person_key, f.level)
            )
            return runner.overlapped, year, [tuple(r) for r in flags]
    finally:
        await engine.dispose()


async def test_claims_in_overlapping_batches_count_and_flag_as_when_handled_one_batch_after_another(
    pg_admin_url: str, bus: Bus
) -> None:
    # The monitoring service's own handlers: 600 claims of 30 persons in Shanxi's 141123 (ordinary residents: the
    # 20,000.00 line), 0–4,000.00 each (~20 claims, ~40,000.00 a person: most cross), 60 of them sent again 20–80
    # claims later (new event ids: resends, counted once). Batches of 40 share persons with the batches beside
    # them. One database takes them with two batches in flight, the other one batch after the other.
    rng = random.Random(11)
    events = [
        monitoring_harness.claim(f"m-{i}", f"person-{rng.randrange(30)}", f"{rng.randint(0, 400_000) / 100:.2f}")
        for i in range(600)
    ]
    stream = list(events)
    for i in rng.sample(range(500), 60):
        stream.insert(min(len(stream), i + rng.randint(20, 80)), events[i])
    await bus.publish([record(e, e.person_key) for e in stream])
    book = load_book(backends.REPO / "policies")
    stem = backends.unique("ovlm_")
    with backends.postgres_databases(pg_admin_url, [f"{stem}_a", f"{stem}_b"]):
        url = backends.database_url(pg_admin_url, f"{stem}_a")
        overlapped, year_a, flags_a = await monitor_through(url, bus, book, len(stream), overlap=True)
        url = backends.database_url(pg_admin_url, f"{stem}_b")
        serial, year_b, flags_b = await monitor_through(url, bus, book, len(stream), overlap=False)
    assert overlapped > 0 and serial == 0
    expected: dict[str, Decimal] = {}
    for e in events:  # each claim once, resends or not
        expected[e.person_key] = expected.get(e.person_key, Decimal(0)) + e.personal_burden
    assert {k[0]: parts.burden for k, parts in year_a.items()} == expected
    assert year_a == year_b
    # The flag of each person names the claim at which the person's running total crossed the line: the same
    # claim whichever batches were in flight together, since a person's claims come in order and the row lock
    # makes a later batch add to the total the earlier one committed.
    assert len(flags_a) >= 20 and flags_a == flags_b


class FirstBatchLate(UnitOfWork):
    """The first unit of work opens its transaction only after a delay: the batch after it, started meanwhile,
    takes in its inbox rows first (as it does when the first batch waits for a pooled connection)."""

    opened = 0

    async def __aenter__(self) -> FirstBatchLate:
        FirstBatchLate.opened += 1
        if FirstBatchLate.opened == 1:
            await asyncio.sleep(1.5)
        return await super().__aenter__()


async def test_a_republished_event_in_two_overlapping_batches_cannot_deadlock_them(
    pg_url: str, bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    # The monitoring service's own handlers. 80 claims of 4 persons, the first 40 published twice (a relay that
    # republished them: the same event ids): the batch after the first one holds some of its event ids. The first
    # batch is held back before its transaction, so the second inserts its inbox rows first and then waits for the
    # first (after_previous_batch); had it inserted the shared ids, the first would wait for its commit: forever.
    rng = random.Random(7)
    events = [
        monitoring_harness.claim(f"d-{i}", f"person-{i % 4}", f"{rng.randint(0, 100_000) / 100:.2f}") for i in range(80)
    ]
    envelopes = [monitoring_harness.envelope_of(e, e.person_key) for e in events]
    stream = envelopes[:40] + envelopes[:40] + envelopes[40:]
    await bus.publish([Record(CLAIMS_SETTLED, env.subject or "", env.to_bytes()) for env in stream])
    engine = create_engine(pg_url)
    await upgrade(engine, monitoring_harness.MIGRATIONS)
    group = backends.unique("ovld")
    await bus.ensure_topics([dead_letter_topic(group)])
    FirstBatchLate.opened = 0
    runner = ConsumerRunner(
        group=group,
        bus=bus,
        uow_factory=lambda: FirstBatchLate(engine, messaging, "/safetynet/monitoring"),
        handlers=handler_table(load_book(backends.REPO / "policies")),
        inbox=messaging.inbox,
        max_records=BATCH,
        overlap=True,
    )
    try:
        with caplog.at_level(logging.WARNING, logger="libs.common.messaging.consumer"):
            async with asyncio.timeout(60):  # a deadlock fails here instead of hanging the suite
                await consume_until(runner, lambda: runner.processed >= len(stream), timeout=40)
        assert runner.overlapped > 0 and runner.dead_lettered == 0
        async with engine.connect() as conn:
            year = await kept_totals(conn, 2026)
            handled = await conn.scalar(sa.select(sa.func.count()).select_from(messaging.inbox))
        assert handled == 80
        expected: dict[str, Decimal] = {}
        for e in events:  # each claim once, though 40 of them came twice
            expected[e.person_key] = expected.get(e.person_key, Decimal(0)) + e.personal_burden
        assert {k[0]: parts.burden for k, parts in year.items()} == expected
        # Not even a lock timeout was needed: the second batch left the first one's event ids alone.
        assert not [r for r in caplog.records if "retrying" in r.getMessage()]
        assert await bus.consumer_lag(runner.group, [CLAIMS_SETTLED]) == {CLAIMS_SETTLED: 0}
    finally:
        await engine.dispose()
