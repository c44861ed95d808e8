"""The same bus suite against both buses: the embedded log (SQLite) and a real Kafka-protocol broker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from libs.common.messaging.bus import Bus, BusConsumer, Delivery, Record
from libs.common.messaging.embedded_bus import EmbeddedBus
from libs.common.runtime import build_bus
from tests import backends
from tests.conftest import make_settings

pytestmark = pytest.mark.integration


@pytest.fixture
async def bus(bus_settings: dict[str, Any], tmp_path: Path) -> AsyncIterator[Bus]:
    b = build_bus(make_settings(tmp_path, **bus_settings), "bus-test")
    await b.start()
    await b.ensure_topics(["orders"])
    yield b
    await b.stop()


async def fetch_n(consumer: BusConsumer, n: int, timeout: float = 30.0) -> list[Delivery]:
    got: list[Delivery] = []
    deadline = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        got += await consumer.fetch(max_records=n - len(got), timeout=0.5)
    return got


async def test_records_of_one_key_arrive_in_order(bus: Bus) -> None:
    records = [Record("orders", f"person-{i % 3}", f"{i}".encode()) for i in range(30)]
    await bus.publish(records)
    consumer = bus.consumer(backends.unique("g"), ["orders"])
    await consumer.start()
    got = await fetch_n(consumer, 30)
    await consumer.stop()
    assert len(got) == 30
    for key in ("person-0", "person-1", "person-2"):
        sent = [r.value for r in records if r.key == key]
        assert [d.value for d in got if d.key == key] == sent


async def test_headers_and_keys_survive_the_trip(bus: Bus) -> None:
    await bus.publish([Record("orders", "k1", b"v", (("content-type", b"application/json"), ("x", b"\xff")))])
    consumer = bus.consumer(backends.unique("g"), ["orders"])
    await consumer.start()
    [d] = await fetch_n(consumer, 1)
    await consumer.stop()
    assert (d.topic.endswith("orders"), d.key, d.value) == (True, "k1", b"v")
    assert dict(d.headers) == {"content-type": b"application/json", "x": b"\xff"}


async def test_uncommitted_records_come_again_to_the_next_consumer(bus: Bus) -> None:
    group = backends.unique("g")
    await bus.publish([Record("orders", "one-key", f"{i}".encode()) for i in range(5)])
    first = bus.consumer(group, ["orders"])
    await first.start()
    got = await fetch_n(first, 5)
    await first.commit(got[:2])  # processed 0 and 1 only, then "crashed"
    await first.stop()

    second = bus.consumer(group, ["orders"])
    await second.start()
    again = await fetch_n(second, 3)
    await second.stop()
    assert [d.value for d in again] == [b"2", b"3", b"4"]


async def test_rewind_goes_back_to_the_last_commit(bus: Bus) -> None:
    await bus.publish([Record("orders", "one-key", f"{i}".encode()) for i in range(4)])
    consumer = bus.consumer(backends.unique("g"), ["orders"])
    await consumer.start()
    got = await fetch_n(consumer, 4)
    await consumer.commit(got[:1])
    await consumer.rewind()
    again = await fetch_n(consumer, 3)
    await consumer.stop()
    assert [d.value for d in again] == [b"1", b"2", b"3"]


async def test_each_group_gets_every_record(bus: Bus) -> None:
    await bus.publish([Record("orders", "k", b"a"), Record("orders", "k", b"b")])
    results = []
    for group in (backends.unique("g"), backends.unique("g")):
        consumer = bus.consumer(group, ["orders"])
        await consumer.start()
        results.append([d.value for d in await fetch_n(consumer, 2)])
        await consumer.stop()
    assert results == [[b"a", b"b"], [b"a", b"b"]]


async def test_embedded_log_survives_a_restart(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/bus.sqlite"
    before = EmbeddedBus(url)
    await before.start()
    await before.publish([Record("orders", "k", b"kept")])
    consumer = before.consumer("g", ["orders"])
    await consumer.start()
    await consumer.commit(await fetch_n(consumer, 1))
    await before.publish([Record("orders", "k", b"after-commit")])
    await before.stop()

    after = EmbeddedBus(url)
    await after.start()
    consumer = after.consumer("g", ["orders"])
    await consumer.start()
    got = await fetch_n(consumer, 1)
    assert [d.value for d in got] == [b"after-commit"]  # the committed record is not delivered again
    assert await asyncio.wait_for(consumer.fetch(10, 0.2), 5) == []
    await after.stop()


async def test_consumer_lag_is_log_end_minus_committed_whether_or_not_a_consumer_runs(bus: Bus) -> None:
    group = backends.unique("g")
    await bus.ensure_topics(["other"])
    # Records on another topic must not count: the embedded log numbers all topics in one sequence.
    await bus.publish([Record("other", "k", b"x") for _ in range(4)])
    assert await bus.consumer_lag(group, ["orders"]) == {"orders": 0}
    for i in range(5):
        # One record per publish, so one per batch: some Kafka-protocol brokers (tansu) answer ListOffsets with the
        # last batch's base offset + 1 instead of the high-water mark; Apache Kafka answers the high-water mark.
        await bus.publish([Record("orders", f"k{i}", f"{i}".encode())])
    # Never consumed: all 5 are behind.
    assert await bus.consumer_lag(group, ["orders"]) == {"orders": 5}

    consumer = bus.consumer(group, ["orders"])
    await consumer.start()
    got = await fetch_n(consumer, 5)
    assert await bus.consumer_lag(group, ["orders"]) == {"orders": 5}  # fetched is not committed
    by_partition: dict[int, list[Delivery]] = {}
    for d in got:
        by_partition.setdefault(d.partition, []).append(d)
    # Commit one partition's records only: lag = 5 − that many, and it stays so after the consumer stops.
    committed = max(by_partition.values(), key=len)
    await consumer.commit(committed)
    await consumer.stop()
    assert await bus.consumer_lag(group, ["orders"]) == {"orders": 5 - len(committed)}


async def test_read_all_reads_a_topic_from_the_start_without_a_group(bus: Bus) -> None:
    assert await bus.read_all(backends.unique("never-made")) == []
    await bus.publish([Record("orders", f"k{i % 2}", f"{i}".encode(), (("h", b"v"),)) for i in range(6)])
    group = backends.unique("g")
    consumer = bus.consumer(group, ["orders"])
    await consumer.start()
    got = await fetch_n(consumer, 2)
    await consumer.commit(got)
    await consumer.stop()

    everything = await bus.read_all("orders")
    assert sorted(d.value for d in everything) == [f"{i}".encode() for i in range(6)]
    assert all(dict(d.headers) == {"h": b"v"} for d in everything)
    for key in ("k0", "k1"):  # in order within a partition
        assert [d.value for d in everything if d.key == key] == [
            f"{i}".encode() for i in range(6) if i % 2 == int(key[1])
        ]
    assert await bus.consumer_lag(group, ["orders"]) == {"orders": 4}  # the group's position did not move


async def test_dead_letters_and_redrives_are_kept_without_a_time_limit_on_kafka(kafka_bootstrap: str) -> None:
    """A dead letter waits for its redrive however long the fix takes; Kafka's default would drop it after 7 days."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    from libs.common.messaging import topics
    from libs.common.messaging.kafka_bus import KafkaBus

    prefix = backends.unique("t") + "."
    bus = KafkaBus(kafka_bootstrap, client_id="retention-test", topic_prefix=prefix)
    wanted = [topics.dead_letter_topic("monitoring"), topics.REDRIVES, topics.CLAIMS_SETTLED]
    await bus.ensure_topics(wanted)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        answers = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, prefix + t, {"retention.ms": None}) for t in wanted]
        )
    finally:
        await admin.close()
    retention = {
        resource["resource_name"].removeprefix(prefix): entry["config_value"]
        for answer in answers
        for resource in answer.to_object()["resources"]
        for entry in resource["config_entries"]
        if entry["config_names"] == "retention.ms"
    }
    assert retention == {
        "monitoring.dead-letter": "-1",
        "safetynet.redrives": "-1",
        "claims.settled": "604800000",  # an ordinary topic keeps the broker's default (7 days)
    }
