"""Benchmark: claims through the monitoring consumer on a real broker and PostgreSQL (issue 5, parts a and b).

(a) Throughput. N claims.settled records are put on a fresh topic first. Then, in the same run:
    - raw limit: a plain aiokafka group consumer of the same records, json.loads of each, the same per-person-year
      increments summed per batch and upserted by plain asyncpg (INSERT … SELECT FROM unnest … ON CONFLICT DO
      UPDATE), offsets committed per batch — no application code;
    - pipeline: the monitoring service itself (consume → decode → inbox → claim facts, corrections, totals in
      PostgreSQL → flags → risk.flagged in the outbox, relay publishing) until every claim is handled.
    - each stage alone: a plain consume of the same records (fetch and commit, nothing else), and the same
      increments taken into PostgreSQL by COPY and one set-based upsert with their inbox rows (no broker).
    The rates are counted from the first record handled (the group join is reported, not counted). The raw limit
    is measured before and after the pipeline (the machine drifts). Target: pipeline ≥ 0.5 × the slower stage
    alone.
(b) Latency. The service runs in its own process; claims are published at a steady rate (default 1,000/s), 1 in N
    of them crossing a line (default runs: 1 in 10, then every claim — the worst case); a plain consumer of
    risk.flagged matches each flag to its claim: p50/p99 from the claim's publication to its flag arriving on the
    topic, and the median per third of the run (rising = falling behind). Target p99 < 250 ms.
    In the same run, the broker alone: a plain consumer in its own process sends each claim that would raise a flag
    on to risk.flagged (the same two hops, no application code), so the service's own share can be read off.
    Each measurement gets a fresh Apache Kafka of its own (tests/kafka_broker.py), or with --shared-broker the one
    SAFETYNET_TEST_KAFKA names.

    SAFETYNET_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/monitoring_pipeline.py --claims 150000 --rate 1000 --seconds 20

Prints figures; asserts nothing about time (the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from libs.common.clock import utc_now
from libs.common.idcard import make_id_number
from libs.common.messaging import topics
from libs.common.messaging.bus import Record
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.kafka_bus import KafkaBus
from libs.common.settings import Settings
from services.system import running
from tests import backends
from tests.kafka_broker import KafkaBroker, kafka_version

COUNTY = "141123"
FIRST_PERSON = 10_000_000  # (b): claim i is of person FIRST_PERSON + i, one claim each
# The service's kafka_fetch_max_wait_ms (and the flag watcher's): some Kafka-protocol brokers hold every fetch this
# long, a floor on each hop; the default of the setting (50) is for an idle fleet polling less. Set by --fetch-wait.
FETCH_WAIT_MS = 10
SHARED_BROKER = False  # --shared-broker


def claim_record(i: int, person: int, burden: Decimal, prefix: str) -> Record:
    event = ClaimSettledV1(
        claim_id=f"B-{i}",
        person_key=f"bench-{person}",
        id_number=make_id_number(COUNTY, date(1960, 1, 1), person % 999 + 1),
        name="王五",
        region_code=COUNTY,
        settlement_date=date(2026, 1 + i % 12, 1 + i % 28),
        diagnosis="肺恶性肿瘤",
        total_cost=burden * 3,
        basic_insurance_paid=burden * 2,
        critical_illness_paid=Decimal("0.00"),
        medical_assistance_paid=Decimal("0.00"),
        other_paid=Decimal("0.00"),
        personal_burden=burden,
    )
    envelope = Envelope(
        source="/bench",
        type=event.event_type,
        subject=event.person_key,
        schemaversion=1,
        correlationid=f"bench-{i}",
        data=event.model_dump(mode="json"),
    )
    return Record(prefix + topics.CLAIMS_SETTLED, event.person_key, envelope.to_bytes())


def kafka_bus(bootstrap: str, prefix: str, name: str) -> KafkaBus:
    return KafkaBus(bootstrap, client_id=name, idempotence=backends.kafka_idempotence(), topic_prefix=prefix)


async def put_claims(bootstrap: str, prefix: str, records: list[Record]) -> None:
    bus = kafka_bus(bootstrap, "", "bench-producer")
    await bus.start()
    await bus.ensure_topics([prefix + t for t in topics.PUBLISHED_TOPICS])
    for i in range(0, len(records), 5000):
        await bus.publish(records[i : i + 5000])
    await bus.stop()


class Clock:
    """From the first record handled to the last; the group join before it is reported apart."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first: float | None = None
        self.first_count = 0
        self.end = 0.0
        self.cpu_first = self.cpu_end = 0.0  # this process's CPU time: the rest of the wall time is waiting

    def saw(self, count: int) -> None:
        if self.first is None and count:
            self.first, self.first_count = time.perf_counter(), count
            self.cpu_first = time.process_time()
        self.end = time.perf_counter()
        self.cpu_end = time.process_time()

    def busy(self) -> float:
        """Share of the measured wall time this process spent on a CPU (1.0 = Python is the bottleneck)."""
        return (self.cpu_end - self.cpu_first) / max(1e-9, self.end - (self.first or self.end))

    def rate(self, total: int) -> float:
        assert self.first is not None
        return (total - self.first_count) / (self.end - self.first)

    def join(self) -> float:
        return (self.first or self.started) - self.started


async def claims_consumer(bootstrap: str, prefix: str, group: str) -> AIOKafkaConsumer:
    """A plain group consumer of the claims from the start of the topic, committing by hand: the yardsticks' own."""
    consumer = AIOKafkaConsumer(
        prefix + topics.CLAIMS_SETTLED,
        bootstrap_servers=bootstrap,
        group_id=backends.unique(group),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    return consumer


async def raw_limit(admin: str, bootstrap: str, prefix: str, total: int) -> tuple[float, float]:
    name = backends.unique("bench_raw_")
    with backends.postgres_databases(admin, [name]):
        db = await asyncpg.connect(backends.database_url(admin, name).replace("+asyncpg", ""))
        await db.execute(
            "CREATE TABLE year_burdens (person_key text, year int, total_cost numeric(14,2), burden numeric(14,2),"
            " PRIMARY KEY (person_key, year))"
        )
        consumer = await claims_consumer(bootstrap, prefix, "raw")
        clock, seen = Clock(), 0
        try:
            while seen < total:
                batches = await consumer.getmany(timeout_ms=500, max_records=2000)
                sums: dict[tuple[str, int], list[Decimal]] = {}
                for messages in batches.values():
                    for m in messages:
                        data = json.loads(m.value)["data"]
                        key = (data["person_key"], int(data["settlement_date"][:4]))
                        acc = sums.setdefault(key, [Decimal(0), Decimal(0)])
                        acc[0] += Decimal(data["total_cost"])
                        acc[1] += Decimal(data["personal_burden"])
                        seen += 1
                if sums:
                    keys = list(sums)
                    await db.execute(
                        "INSERT INTO year_burdens SELECT * FROM unnest($1::text[], $2::int[], $3::numeric[],"
                        " $4::numeric[]) ON CONFLICT (person_key, year) DO UPDATE SET"
                        " total_cost = year_burdens.total_cost + excluded.total_cost,"
                        " burden = year_burdens.burden + excluded.burden",
                        [k[0] for k in keys],
                        [k[1] for k in keys],
                        [sums[k][0] for k in keys],
                        [sums[k][1] for k in keys],
                    )
                    await consumer.commit()
                clock.saw(seen)
        finally:
            await consumer.stop()
            await db.close()
    return clock.rate(total), clock.join()


async def consume_alone(bootstrap: str, prefix: str, total: int) -> float:
    """Stage alone: a plain aiokafka group consumer fetching the same records in batches of 2,000 and committing
    each batch; nothing decoded, nothing stored."""
    consumer = await claims_consumer(bootstrap, prefix, "alone")
    clock, seen = Clock(), 0
    try:
        while seen < total:
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            got = sum(len(messages) for messages in batches.values())
            if got:
                seen += got
                await consumer.commit()
            clock.saw(seen)
    finally:
        await consumer.stop()
    return clock.rate(total)


async def store_alone(admin: str, records: list[Record], batch: int = 2000) -> float:
    """Stage alone: the same increments, worked out beforehand, taken into PostgreSQL as the service takes them —
    a batch's event ids into an inbox (COPY, then one insert skipping those already there) and its per-person-year
    sums by COPY and one set-based upsert, one transaction a batch. No broker, no decoding."""
    batches: list[tuple[list[tuple[str]], list[tuple[str, int, Decimal, Decimal]]]] = []
    for start in range(0, len(records), batch):
        ids: list[tuple[str]] = []
        sums: dict[tuple[str, int], list[Decimal]] = {}
        for r in records[start : start + batch]:
            envelope = json.loads(r.value)
            data = envelope["data"]
            ids.append((envelope["id"],))
            acc = sums.setdefault((data["person_key"], int(data["settlement_date"][:4])), [Decimal(0), Decimal(0)])
            acc[0] += Decimal(data["total_cost"])
            acc[1] += Decimal(data["personal_burden"])
        batches.append((ids, [(k[0], k[1], v[0], v[1]) for k, v in sums.items()]))
    name = backends.unique("bench_store_")
    with backends.postgres_databases(admin, [name]):
        db = await asyncpg.connect(backends.database_url(admin, name).replace("+asyncpg", ""))
        try:
            await db.execute(
                "CREATE TABLE inbox (consumer text, event_id text, processed_at timestamptz,"
                " PRIMARY KEY (consumer, event_id));"
                "CREATE TABLE year_burdens (person_key text, year int, total_cost numeric(14,2),"
                " burden numeric(14,2), PRIMARY KEY (person_key, year))"
            )
            started = time.perf_counter()
            for ids, increments in batches:
                async with db.transaction():
                    await db.execute(
                        "CREATE TEMP TABLE new_ids (event_id text) ON COMMIT DROP;"
                        "CREATE TEMP TABLE increments (person_key text, year int, total_cost numeric,"
                        " burden numeric) ON COMMIT DROP"
                    )
                    await db.copy_records_to_table("new_ids", records=ids)
                    await db.execute(
                        "INSERT INTO inbox SELECT 'monitoring', event_id, $1 FROM new_ids ON CONFLICT DO NOTHING",
                        utc_now(),
                    )
                    await db.copy_records_to_table("increments", records=increments)
                    await db.execute(
                        "INSERT INTO year_burdens SELECT person_key, year, sum(total_cost), sum(burden)"
                        " FROM increments GROUP BY person_key, year ON CONFLICT (person_key, year) DO UPDATE SET"
                        " total_cost = year_burdens.total_cost + excluded.total_cost,"
                        " burden = year_burdens.burden + excluded.burden"
                    )
            elapsed = time.perf_counter() - started
        finally:
            await db.close()
    return len(records) / elapsed


def service_settings(admin: str, bootstrap: str, prefix: str, stem: str, data_dir: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=backends.database_url(admin, f"{stem}_{{service}}"),
        bus="kafka",
        kafka_bootstrap_servers=bootstrap,
        kafka_idempotence=backends.kafka_idempotence(),
        topic_prefix=prefix,
        kafka_fetch_max_wait_ms=FETCH_WAIT_MS,
        policies_dir=backends.REPO / "policies",
        holidays_file=backends.REPO / "deploy" / "holidays.yaml",
    )


async def pipeline(admin: str, bootstrap: str, prefix: str, total: int) -> tuple[float, float, float, int, float, int]:
    stem = backends.unique("bench_")
    with backends.postgres_databases(admin, [f"{stem}_monitoring"]), tempfile.TemporaryDirectory() as tmp:
        settings = service_settings(admin, bootstrap, prefix, stem, Path(tmp))
        async with running(settings, only="monitoring") as apps:
            runtime = apps["monitoring"].state.runtime
            runner = runtime.consumers[0]
            clock = Clock()
            while runner.processed < total:
                await asyncio.sleep(0.01)
                clock.saw(runner.processed)
            handled = time.perf_counter()
            while await runtime.relay.backlog():  # noqa: ASYNC110 - polling a database count
                await asyncio.sleep(0.05)
            drained = time.perf_counter() - handled
            async with runtime.engine.connect() as conn:
                flags = int(await conn.scalar(_count_flags()) or 0)
    return clock.rate(total), clock.join(), drained, flags, clock.busy(), runner.overlapped


def _count_flags() -> object:
    import sqlalchemy as sa

    from services.monitoring.tables import risk_flags

    return sa.select(sa.func.count()).select_from(risk_flags)


def serve_monitoring(settings: Settings, ready: Any, stop: Any) -> None:
    """The service in a process of its own, as deployed: its CPU work does not stall the load generator."""

    # The service's warnings (rebalances, retries) go to stderr: they explain a latency spike.
    logging.basicConfig(
        level=os.environ.get("BENCH_SERVICE_LOG", "WARNING"), format="service %(levelname)s %(name)s: %(message)s"
    )

    async def serve() -> None:
        async with running(settings, only="monitoring"):
            ready.set()
            while not stop.is_set():  # noqa: ASYNC110 - a multiprocessing event has nothing to await
                await asyncio.sleep(0.1)

    asyncio.run(serve())


def _raises_flag(i: int, flag_every: int) -> bool:
    return i % flag_every == 0 or i < 0  # i = -1 is the warm-up claim: it must raise a flag


def forward_raw(bootstrap: str, prefix: str, flag_every: int, fetch_wait_ms: int, ready: Any, stop: Any) -> None:
    """The broker alone, in a process of its own as the service is: a plain aiokafka consumer of the claims that
    sends each claim the service would flag on to risk.flagged with a plain producer (the relay's settings:
    acks=all, linger 5 ms), committing its offsets after each batch. The same two hops as the pipeline, with no
    application code and no database."""

    async def forward() -> None:
        consumer = AIOKafkaConsumer(
            prefix + topics.CLAIMS_SETTLED, bootstrap_servers=bootstrap, group_id=prefix + "raw-forward",
            enable_auto_commit=False, auto_offset_reset="earliest", fetch_max_wait_ms=fetch_wait_ms,
        )  # fmt: skip
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", linger_ms=5, enable_idempotence=backends.kafka_idempotence()
        )
        await consumer.start()
        await producer.start()
        ready.set()
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=100, max_records=500)
                sent = [
                    await producer.send(prefix + topics.RISK_FLAGGED, m.value, key=m.key)
                    for messages in batches.values()
                    for m in messages
                    if _raises_flag(int(m.key.decode().removeprefix("bench-")) - FIRST_PERSON, flag_every)
                ]
                await asyncio.gather(*sent)
                if batches:
                    await consumer.commit()
        finally:
            await consumer.stop()
            await producer.stop()

    asyncio.run(forward())


async def latency(admin: str, bootstrap: str, rate: int, seconds: int, flag_every: int, *, raw: bool) -> list[float]:
    """Seconds from each flagged claim's publication to its flag on risk.flagged, in the order sent: through the
    monitoring service, or (``raw``) through forward_raw."""
    prefix = backends.unique("lat") + "."
    stem = backends.unique("bench_")
    count = rate * seconds
    # Each claim is a new ordinary resident; every flag_every-th has 25,000.00 left (> 20,000.00: a flag), the
    # others 1.00 (counted, no flag). Only flagged claims have a latency.
    records = [
        claim_record(i, FIRST_PERSON + i, Decimal("25000.00" if _raises_flag(i, flag_every) else "1.00"), prefix)
        for i in range(-1, count)
    ]
    flagged_count = sum(1 for i in range(count) if _raises_flag(i, flag_every))
    sent: dict[str, float] = {}
    arrived: dict[str, float] = {}
    bus = kafka_bus(bootstrap, "", "bench-latency")
    await bus.start()
    await bus.ensure_topics([prefix + t for t in topics.PUBLISHED_TOPICS])
    flagged = AIOKafkaConsumer(
        prefix + topics.RISK_FLAGGED, bootstrap_servers=bootstrap, group_id=prefix + "watch",
        auto_offset_reset="earliest", fetch_max_wait_ms=FETCH_WAIT_MS,
    )  # fmt: skip
    await flagged.start()

    async def watch(until: int) -> None:
        while len(arrived) < until:
            for messages in (await flagged.getmany(timeout_ms=100)).values():
                now = time.perf_counter()
                for m in messages:
                    arrived[m.key.decode()] = now  # one claim per person here: the key names the claim

    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    with contextlib.ExitStack() as stack:
        if raw:
            target: Any = forward_raw
            args: tuple[Any, ...] = (bootstrap, prefix, flag_every, FETCH_WAIT_MS, ready, stop)
        else:
            stack.enter_context(backends.postgres_databases(admin, [f"{stem}_monitoring"]))
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            target, args = serve_monitoring, (service_settings(admin, bootstrap, prefix, stem, Path(tmp)), ready, stop)
        worker = context.Process(target=target, args=args)
        worker.start()
        while not ready.is_set():  # noqa: ASYNC110 - a multiprocessing event has nothing to await
            await asyncio.sleep(0.1)
        # One flagged claim through first, so the group join and first connections are not measured.
        await bus.publish(records[:1])
        await watch(1)
        watcher = asyncio.create_task(watch(flagged_count + 1))
        tick = 0.01
        per_tick = max(1, int(rate * tick))
        start = time.perf_counter()
        for n, i in enumerate(range(1, count + 1, per_tick)):
            # Steady: each slice goes out at its own moment, however long the previous publish took.
            await asyncio.sleep(max(0.0, start + n * tick - time.perf_counter()))
            chunk = records[i : i + per_tick]
            now = time.perf_counter()
            for r in chunk:
                sent[r.key] = now
            await bus.publish(chunk)
        try:
            await asyncio.wait_for(watcher, timeout=60)
        except TimeoutError:
            print(f"  only {len(arrived) - 1} of {flagged_count} flags arrived within 60 s of the last claim")
        stop.set()
        worker.join(timeout=30)
    await flagged.stop()
    await bus.stop()
    # In the order the claims were sent, so a backlog that grows during the run shows as a rising latency.
    return [arrived[k] - sent[k] for k in sorted(sent, key=sent.__getitem__) if k in arrived]


@contextmanager
def own_broker(directory: Path) -> Iterator[str | None]:
    """A fresh Apache Kafka of the bench's own (tests/kafka_broker.py), unless --shared-broker: the shared test broker
    holds every test's topics, and a log already holding (a)'s 150,000 claims would put (b) at a disadvantage.
    Clients connect to it directly (no proxy: a Python proxy would be the bottleneck)."""
    if SHARED_BROKER:
        yield None
        return
    broker = KafkaBroker(directory)
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


async def main(claims: int, persons: int, rate: int, seconds: int, flag_every: list[int]) -> None:
    admin = os.environ.get("SAFETYNET_TEST_DATABASE_URL")
    bootstrap = os.environ.get("SAFETYNET_TEST_KAFKA")
    if not admin or (SHARED_BROKER and not bootstrap):
        sys.exit("set SAFETYNET_TEST_DATABASE_URL (and SAFETYNET_TEST_KAFKA with --shared-broker)")
    if SHARED_BROKER:
        print(f"broker: {bootstrap} (SAFETYNET_TEST_KAFKA, shared: its other topics inflate metadata costs)")
    else:
        print(f"broker: a fresh Apache Kafka {kafka_version()} for each measurement (tests/kafka_broker.py)")
    print(f"service and watcher: kafka_fetch_max_wait_ms={FETCH_WAIT_MS} (--fetch-wait)")
    with tempfile.TemporaryDirectory() as tmp:

        @contextmanager
        def broker(name: str) -> Iterator[str]:
            with own_broker(Path(tmp) / f"kafka-{name}") as own:
                yield own or str(bootstrap)

        await _run(admin, broker, claims, persons, rate, seconds, flag_every)


async def _run(
    admin: str,
    broker: Callable[[str], contextlib.AbstractContextManager[str]],
    claims: int,
    persons: int,
    rate: int,
    seconds: int,
    flag_every: list[int],
) -> None:
    if claims:
        with broker("a") as bootstrap:
            await throughput(admin, bootstrap, claims, persons)
    for every in flag_every:
        which = "each raising a flag" if every == 1 else f"1 in {every} raising a flag"
        print(f"(b) {rate * seconds:,} claims at {rate:,}/s, {which}: publication → risk.flagged on the topic")
        # The broker alone first, in the same run, so the service's figures can be read against the broker's own.
        with broker(f"b{every}-raw") as bootstrap:
            raw = _latency_figures(await latency(admin, bootstrap, rate, seconds, every, raw=True))
        print(f"    broker alone (two plain hops, no database): {raw}")
        with broker(f"b{every}-service") as bootstrap:
            service = _latency_figures(await latency(admin, bootstrap, rate, seconds, every, raw=False))
        print(f"    monitoring service:                          {service} (target p99 < 250 ms)")
        print(f"    the service's own share: p50 {service.p50 - raw.p50:+.0f} ms, p99 {service.p99 - raw.p99:+.0f} ms")


class LatencyFigures(NamedTuple):
    p50: float
    p99: float
    worst: float
    thirds: list[float]  # median per third of the run, in sending order: rising = falling behind

    def __str__(self) -> str:
        thirds = " / ".join(f"{t:.0f}" for t in self.thirds)
        return f"p50 {self.p50:.0f} ms, p99 {self.p99:.0f} ms, max {self.worst:.0f} ms; by third {thirds} ms"


def _latency_figures(lat: list[float]) -> LatencyFigures:
    q = statistics.quantiles(lat, n=100)
    thirds = [statistics.median(lat[i * len(lat) // 3 : (i + 1) * len(lat) // 3]) * 1000 for i in range(3)]
    return LatencyFigures(q[49] * 1000, q[98] * 1000, max(lat) * 1000, thirds)


async def throughput(admin: str, bootstrap: str, claims: int, persons: int) -> None:
    rng = random.Random(5)
    prefix = backends.unique("mon") + "."
    # Burdens of 0–4,000.00 per claim, ~3 claims per person a year: some ordinary residents cross 20,000.00.
    records = [
        claim_record(i, rng.randrange(persons), Decimal(rng.randint(0, 400_000)) / 100, prefix) for i in range(claims)
    ]
    await put_claims(bootstrap, prefix, records)
    print(f"(a) {claims:,} claims of {persons:,} persons on {prefix}{topics.CLAIMS_SETTLED}")
    raw_before, raw_join = await raw_limit(admin, bootstrap, prefix, claims)
    print(f"    raw limit (aiokafka + json + asyncpg unnest upsert): {raw_before:,.0f} claims/s (join {raw_join:.1f}s)")
    rate_a, join, drained, flags, busy, overlapped = await pipeline(admin, bootstrap, prefix, claims)
    print(f"    monitoring consumer: {rate_a:,.0f} claims/s (join {join:.1f}s); {flags:,} flags, outbox drained")
    print(f"    {drained:.2f}s after the last claim was handled; the service's process on a CPU {busy:.0%} of the time")
    print(f"    {overlapped} batches started while the batch before them was still in its transaction")
    # The raw limit again after the pipeline: this machine's speed drifts by a third within minutes, and a raw run
    # on one side only made the ratio swing with it. The ratio is against the mean of the two.
    raw_after, _ = await raw_limit(admin, bootstrap, prefix, claims)
    raw_rate = (raw_before + raw_after) / 2
    print(f"    raw limit again, after: {raw_after:,.0f} claims/s")
    print(f"    ratio pipeline / raw (mean of before and after): {rate_a / raw_rate:.2f}")
    # Each stage alone, on the same records: the pipeline can go no faster than its slower stage.
    consumed = await consume_alone(bootstrap, prefix, claims)
    print(f"    stage alone, consume (group consumer, batches of 2,000, commit each): {consumed:,.0f} claims/s")
    stored = await store_alone(admin, records)
    print(f"    stage alone, store (inbox + sums by COPY and one set-based upsert a batch): {stored:,.0f} claims/s")
    slower = min(consumed, stored)
    print(f"    ratio pipeline / slower stage alone: {rate_a / slower:.2f} (target ≥ 0.5)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=150_000, help="for (a); 0 skips (a)")
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--rate", type=int, default=1_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--flag-every",
        type=int,
        nargs="*",
        default=[10, 1],
        help="(b) runs: 1 in N claims crosses a line; none: no (b)",
    )
    parser.add_argument(
        "--fetch-wait",
        type=int,
        default=FETCH_WAIT_MS,
        help="the service's and watcher's fetch_max_wait_ms",
    )
    parser.add_argument(
        "--shared-broker", action="store_true", help="use SAFETYNET_TEST_KAFKA instead of a fresh Apache Kafka"
    )
    args = parser.parse_args()
    FETCH_WAIT_MS = args.fetch_wait
    SHARED_BROKER = args.shared_broker
    asyncio.run(main(args.claims, args.persons, args.rate, args.seconds, args.flag_every))
