"""Outbox, relay, inbox and dead-lettering, on SQLite and PostgreSQL × the embedded bus and the broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from libs.common.messaging.bus import Bus, Record
from libs.common.messaging.consumer import Batched
from libs.common.messaging.topics import CLAIMS_SETTLED, dead_letter_topic
from tests import backends
from tests.integration.harness import Harness, claim, dlq_headers, make_harness, totals
from tests.integration.monitoring_harness import delivery
from tests.integration.test_bus import fetch_n

pytestmark = pytest.mark.integration


@pytest.fixture
async def harness(database_url_template: str, bus: Bus) -> AsyncIterator[Harness]:
    group = backends.unique("grp")
    await bus.ensure_topics([dead_letter_topic(group)])
    h = await make_harness(database_url_template.replace("{service}", "test"), bus, group)
    yield h
    await h.runner.stop()
    await h.engine.dispose()


async def test_state_and_event_are_committed_together_or_not_at_all(harness: Harness) -> None:
    async with harness.uow() as uow:
        await uow.conn.execute(totals.insert().values(person_key="p1", amount=Decimal("1.00")))
        uow.publish(claim("c-1"), subject="p1")
        # no commit: leaving the block rolls both back
    assert (await harness.total(), await harness.outbox_count()) == (None, 0)

    async with harness.uow() as uow:
        await uow.conn.execute(totals.insert().values(person_key="p1", amount=Decimal("1.00")))
        uow.publish(claim("c-1"), subject="p1")
        await uow.commit()
    assert (await harness.total(), await harness.outbox_count()) == (Decimal("1.00"), 1)


async def test_a_redelivered_event_is_counted_once(harness: Harness) -> None:
    async with harness.uow() as uow:
        for i in range(3):
            uow.publish(claim(f"c-{i}", amount="100.00"), subject="p1")
        await uow.commit()
    assert await harness.relay.publish_pending() == 3
    assert await harness.outbox_count(unpublished=True) == 0
    assert await harness.consume_until(3) == 3
    assert await harness.total() == Decimal("300.00")  # 3 × 100.00

    # The relay crashed after publishing but before marking: the same three envelopes go out again.
    async with harness.engine.begin() as conn:
        await conn.execute(harness.relay._outbox.update().values(published_at=None))
    assert await harness.relay.publish_pending() == 3
    assert await harness.consume_until(6) == 6
    assert await harness.total() == Decimal("300.00")  # unchanged: the inbox knew all three event ids


async def test_poison_goes_to_the_dead_letter_topic_and_the_partition_moves_on(harness: Harness, bus: Bus) -> None:
    good_before, poison, good_after = claim("c-1"), claim("poison-1"), claim("c-2", amount="50.00")
    async with harness.uow() as uow:
        uow.publish(good_before, subject="p1")
        await uow.commit()
    await harness.relay.publish_pending()
    # Same key, so all land in one partition, in this order, behind each other.
    await bus.publish(
        [
            Record(CLAIMS_SETTLED, "p1", b"{not json"),
            Record(CLAIMS_SETTLED, "p1", b'{"specversion": "1.0", "id": "x"}'),
        ]
    )
    async with harness.uow() as uow:
        uow.publish(poison, subject="p1")
        uow.publish(good_after, subject="p1")
        await uow.commit()
    await harness.relay.publish_pending()

    assert await harness.consume_until(5) == 5
    assert await harness.total() == Decimal("150.00")  # 100.00 + 50.00; the three bad records counted nothing
    assert harness.runner.dead_lettered == 3

    dlq = bus.consumer(backends.unique("dlq-reader"), [dead_letter_topic(harness.runner.group)])
    await dlq.start()
    dead = await fetch_n(dlq, 3)
    await dlq.stop()
    errors = [dlq_headers(d)["dlq-error"] for d in dead]
    assert dead[0].value == b"{not json" and "not JSON" in errors[0]
    assert "ValidationError" in errors[1]
    assert "handler rejects poison-1" in errors[2]
    assert all(dlq_headers(d)["dlq-consumer-group"] == harness.runner.group for d in dead)
    assert all(dlq_headers(d)["dlq-original-topic"].endswith(CLAIMS_SETTLED) for d in dead)


async def test_a_fetch_decoded_in_slices_keeps_every_record_and_each_poison_in_its_place(
    harness: Harness, bus: Bus
) -> None:
    # 45 records in one partition: more than two of the consumer's decoding slices, a poison record in the
    # second and third slice. 43 claims of 1.00 each → 43.00; both poison records dead-lettered, none lost.
    for start, count in ((0, 20), (20, 20), (40, 3)):
        async with harness.uow() as uow:
            for i in range(start, start + count):
                uow.publish(claim(f"c-{i}", amount="1.00"), subject="p1")
            await uow.commit()
        await harness.relay.publish_pending()
        if start < 40:
            await bus.publish([Record(CLAIMS_SETTLED, "p1", b"{not json " + str(start).encode())])

    assert await harness.consume_until(45) == 45
    assert await harness.total() == Decimal("43.00")
    assert harness.runner.dead_lettered == 2
    dlq = bus.consumer(backends.unique("dlq-reader"), [dead_letter_topic(harness.runner.group)])
    await dlq.start()
    dead = await fetch_n(dlq, 2)
    await dlq.stop()
    assert [d.value for d in dead] == [b"{not json 0", b"{not json 20"]
    first, second = (int(dlq_headers(d)["dlq-original-offset"]) for d in dead)
    assert second - first == 21  # the 20 claims between them


async def test_rows_wait_in_the_outbox_until_a_relay_publishes_them(harness: Harness) -> None:
    # The process died before its relay ran: rows are committed, nothing is published yet.
    async with harness.uow() as uow:
        for i in range(5):
            uow.publish(claim(f"c-{i}", amount="10.00"), subject="p1")
        await uow.commit()
    assert await harness.outbox_count(unpublished=True) == 5
    # A new relay (after the restart) picks them up in order.
    assert await harness.relay.publish_pending() == 5
    assert await harness.consume_until(5) == 5
    assert await harness.total() == Decimal("50.00")


async def test_a_database_outage_is_retried_not_dead_lettered(harness: Harness) -> None:
    from sqlalchemy.exc import OperationalError

    original = harness.runner._handlers
    failures = {"left": 2}

    async def flaky(uow: Any, event: Any, envelope: Any) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("SELECT 1", {}, ConnectionError("database went away"))
        handler = original[type(event)]
        assert not isinstance(handler, Batched)  # the harness's handler is per record
        await handler(uow, event, envelope)

    harness.runner._handlers = {t: flaky for t in original}
    async with harness.uow() as uow:
        uow.publish(claim("c-1"), subject="p1")
        await uow.commit()
    await harness.relay.publish_pending()
    for _ in range(2):
        with pytest.raises(OperationalError):
            await harness.runner.run_once()
    assert await harness.consume_until(1) == 1
    assert (await harness.total(), harness.runner.dead_lettered) == (Decimal("100.00"), 0)


async def test_inbox_rows_are_written_in_the_handling_transaction(harness: Harness) -> None:
    async with harness.uow() as uow:
        uow.publish(claim("c-1"), subject="p1")
        await uow.commit()
    await harness.relay.publish_pending()
    await harness.consume_until(1)
    async with harness.engine.connect() as conn:
        consumers = (await conn.execute(sa.select(harness.runner._inbox.c.consumer))).scalars().all()
    assert consumers == [harness.runner.group]


async def test_a_fetch_mixing_handled_and_new_events_handles_only_the_new_ones(harness: Harness) -> None:
    # The inbox statement answers with the ids it already had: here c-1's and c-2's, handled in an earlier fetch.
    first, second = delivery(claim("c-1", amount="1.00"), "p1"), delivery(claim("c-2", amount="2.00"), "p1")
    await harness.runner.process([first, second])
    assert await harness.total() == Decimal("3.00")  # 1.00 + 2.00
    fresh = delivery(claim("c-3", amount="4.00"), "p1")
    # c-1 again, c-3 new (twice in the same fetch: the same event), c-2 again
    await harness.runner.process([first, fresh, fresh, second])
    assert await harness.total() == Decimal("7.00")  # 3.00 + 4.00 once; c-1 and c-2 not again
    async with harness.engine.connect() as conn:
        count = await conn.scalar(sa.select(sa.func.count()).select_from(harness.runner._inbox))
    assert count == 3


async def test_a_bulk_outbox_write_goes_through_copy_and_reads_back(harness: Harness) -> None:
    from libs.common.db import BULK_THRESHOLD

    # More rows than the COPY threshold: on PostgreSQL this takes the COPY path, on SQLite executemany.
    count = BULK_THRESHOLD + 10
    async with harness.uow() as uow:
        for i in range(count):
            uow.publish(claim(f"c-{i}", amount="1.00"), subject="p1")
        await uow.commit()
    async with harness.engine.connect() as conn:
        created = (await conn.execute(sa.select(harness.relay._outbox.c.created_at).limit(1))).scalar_one()
    assert created.tzinfo is not None  # the Python-side default was applied, in UTC
    assert await harness.outbox_count(unpublished=True) == count
    published = 0
    while published < count:
        published += await harness.relay.publish_pending()
    assert await harness.consume_until(count) == count
    assert await harness.total() == Decimal(count)  # count × 1.00


async def test_a_commit_wakes_the_relay_only_if_it_wrote_events(harness: Harness) -> None:
    harness.relay.wakeup.clear()
    async with harness.uow() as uow:
        await uow.conn.execute(totals.insert().values(person_key="p1", amount=Decimal("1.00")))
        await uow.commit()
    assert not harness.relay.wakeup.is_set()  # state only: nothing for the relay to publish

    async with harness.uow() as uow:
        uow.publish(claim("c-1"), subject="p1")
        await uow.commit()
    assert harness.relay.wakeup.is_set()
