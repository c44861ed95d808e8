"""The Kafka bus, through aiokafka: acks=all, manual commits after the handling transaction committed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError

from libs.common.messaging.bus import BusConsumer, BusUnavailable, Delivery, Record
from libs.common.messaging.topics import kept_forever

log = logging.getLogger(__name__)


class KafkaBus:
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str,
        idempotence: bool = True,
        topic_prefix: str = "",
        partitions: int = 6,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 1_000,
        send_timeout: float = 30.0,
        commit_timeout: float = 15.0,
        fetch_max_wait_ms: int = 50,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self._idempotence = idempotence
        self._prefix = topic_prefix
        self._partitions = partitions
        self._session_timeout_ms = session_timeout_ms
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self._send_timeout = send_timeout
        self._commit_timeout = commit_timeout
        # How long the broker may hold a fetch when nothing is there. Kafka answers as soon as a byte arrives, but
        # some Kafka-protocol brokers (tansu) hold every fetch this long: aiokafka's 500 ms default then adds up to
        # half a second per hop (measured on tansu: p50 132 ms at 500, 22 ms at 50).
        self._fetch_max_wait_ms = fetch_max_wait_ms
        self._producer: AIOKafkaProducer | None = None
        self._topics: set[str] = set()  # asked for through ensure_topics: recreated if the broker lost them

    def _t(self, topic: str) -> str:
        return self._prefix + topic

    async def _producer_started(self) -> AIOKafkaProducer:
        # Started lazily, so a service boots while the broker is down and its relay retries later.
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id=self._client_id,
                acks="all",
                enable_idempotence=self._idempotence,
                request_timeout_ms=int(self._send_timeout * 1000),
                linger_ms=5,
            )
            try:
                await producer.start()
            except (KafkaError, OSError) as exc:
                await producer.stop()
                raise BusUnavailable(f"Kafka at {self._bootstrap}: {exc}") from exc
            if self._topics:
                # A broker that came back without our topics would otherwise create them on first produce with its
                # own partition count, and consumers holding the old assignment would stall.
                try:
                    await self.ensure_topics(sorted(self._topics))
                except BusUnavailable:
                    await producer.stop()
                    raise
            self._producer = producer
        return self._producer

    async def start(self) -> None:
        """Nothing to do eagerly; see _producer_started."""

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        self._topics.update(topics)
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, client_id=self._client_id)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            wanted = [
                NewTopic(
                    self._t(t),
                    num_partitions=self._partitions,
                    replication_factor=1,
                    topic_configs={"retention.ms": "-1"} if kept_forever(t) else {},
                )
                for t in topics
                if self._t(t) not in existing
            ]
            if wanted:
                with contextlib.suppress(TopicAlreadyExistsError):  # another service created it first
                    await admin.create_topics(wanted)
        except (KafkaError, OSError) as exc:
            raise BusUnavailable(f"Kafka at {self._bootstrap}: {exc}") from exc
        finally:
            await admin.close()

    async def publish(self, records: Sequence[Record]) -> None:
        if not records:
            return
        try:
            producer = await self._producer_started()
            futures = [
                await producer.send(self._t(r.topic), r.value, key=r.key.encode(), headers=list(r.headers))
                for r in records
            ]
            async with asyncio.timeout(self._send_timeout):  # not wait_for: see OutboxRelay.run
                await asyncio.gather(*futures)
        except (KafkaError, OSError, TimeoutError) as exc:
            # The producer may hold half-sent batches; a fresh one on the next attempt is simplest.
            await self.stop()
            raise BusUnavailable(f"publish to Kafka failed: {exc!r}") from exc

    def consumer(self, group: str, topics: Sequence[str]) -> BusConsumer:
        return KafkaConsumer(self, self._prefix + group, [self._t(t) for t in topics])

    async def consumer_lag(self, group: str, topics: Sequence[str]) -> dict[str, int]:
        # The group's committed offsets from its coordinator and the log ends from a group-less consumer: both
        # answer whether or not the group's own consumer is alive. Fresh clients per call (a scrape every ~15 s)
        # keep nothing half-broken across a broker outage.
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, client_id=f"{self._client_id}-lag")
        probe = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, client_id=f"{self._client_id}-lag", enable_auto_commit=False
        )
        try:
            async with asyncio.timeout(self._send_timeout):
                await admin.start()
                await probe.start()
                # From the admin client: the probe's own metadata holds only the topics it has been asked about
                # (Apache Kafka answers a metadata request for the topics named; tansu answered with all of them).
                described = await admin.describe_topics([self._t(t) for t in topics])
                partitions = [
                    TopicPartition(d["topic"], p["partition"])
                    for d in described
                    if d["error_code"] == 0  # an unknown topic (3) has nothing behind
                    for p in sorted(d["partitions"], key=lambda p: p["partition"])
                ]
                if not partitions:
                    return {t: 0 for t in topics}
                ends = await probe.end_offsets(partitions)
                starts = await probe.beginning_offsets(partitions)
                committed = await admin.list_consumer_group_offsets(self._prefix + group, partitions=partitions)
        except (KafkaError, OSError, TimeoutError) as exc:
            raise BusUnavailable(f"consumer lag from Kafka at {self._bootstrap}: {exc!r}") from exc
        finally:
            await probe.stop()
            await admin.close()
        lag = {t: 0 for t in topics}
        by_name = {self._t(t): t for t in topics}
        for tp in partitions:
            meta = committed.get(tp)
            # No commit yet: the group will start from the earliest record still in the log.
            position = meta.offset if meta is not None and meta.offset >= 0 else starts[tp]
            lag[by_name[tp.topic]] += max(0, ends[tp] - position)
        return lag

    async def read_all(self, topic: str) -> list[Delivery]:
        # Partitions from the admin client (the reader's own metadata knows only topics it was asked about), then a
        # group-less reader assigned to all of them, from the beginning up to the ends taken first: records added
        # meanwhile are not waited for.
        name = self._t(topic)
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, client_id=f"{self._client_id}-read")
        reader = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=f"{self._client_id}-read",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self._fetch_max_wait_ms,
        )
        out: list[Delivery] = []
        try:
            async with asyncio.timeout(self._send_timeout):
                await admin.start()
                await reader.start()
                described = await admin.describe_topics([name])
                partitions = [
                    TopicPartition(name, p["partition"])
                    for d in described
                    if d["error_code"] == 0
                    for p in d["partitions"]
                ]
                if not partitions:
                    return []
                reader.assign(partitions)
                ends = await reader.end_offsets(partitions)
                await reader.seek_to_beginning(*partitions)
            left = {tp for tp in partitions if await reader.position(tp) < ends[tp]}
            while left:
                async with asyncio.timeout(self._send_timeout):  # no record for this long: the broker is gone
                    batches = await reader.getmany(*left, timeout_ms=1000)
                    while not batches:
                        batches = await reader.getmany(*left, timeout_ms=1000)
                for tp, messages in batches.items():
                    for m in messages:
                        if m.offset < ends[tp]:
                            key = m.key.decode() if m.key is not None else None
                            out.append(Delivery(tp.topic, tp.partition, m.offset, key, m.value, tuple(m.headers)))
                left = {tp for tp in left if await reader.position(tp) < ends[tp]}
        except (KafkaError, OSError, TimeoutError) as exc:
            raise BusUnavailable(f"reading {name} from Kafka at {self._bootstrap}: {exc!r}") from exc
        finally:
            await reader.stop()
            await admin.close()
        return sorted(out, key=lambda d: (d.partition, d.offset))

    def _new_consumer(self, group: str, topics: list[str]) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            *topics,
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self._session_timeout_ms,
            heartbeat_interval_ms=self._heartbeat_interval_ms,
            rebalance_timeout_ms=self._session_timeout_ms,
            fetch_max_wait_ms=self._fetch_max_wait_ms,
        )


class KafkaConsumer:
    def __init__(self, bus: KafkaBus, group: str, topics: list[str]) -> None:
        self._bus = bus
        self._group = group
        self._topics = topics
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        consumer = self._bus._new_consumer(self._group, self._topics)
        try:
            await consumer.start()
        except (KafkaError, OSError) as exc:
            await consumer.stop()
            raise BusUnavailable(f"Kafka consumer {self._group}: {exc}") from exc
        self._consumer = consumer

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    def _c(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("consumer used before start()")
        return self._consumer

    async def fetch(self, max_records: int, timeout: float) -> list[Delivery]:
        try:
            batches = await self._c().getmany(timeout_ms=int(timeout * 1000), max_records=max_records)
        except KafkaError as exc:
            raise BusUnavailable(str(exc)) from exc
        out: list[Delivery] = []
        for tp, messages in batches.items():
            for m in messages:
                key = m.key.decode() if m.key is not None else None
                out.append(Delivery(tp.topic, tp.partition, m.offset, key, m.value, tuple(m.headers)))
        return out

    async def commit(self, deliveries: Sequence[Delivery]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for d in deliveries:
            tp = TopicPartition(d.topic, d.partition)
            offsets[tp] = max(offsets.get(tp, 0), d.offset + 1)
        if offsets:
            try:
                # aiokafka retries a retriable commit error without end (e.g. a partition that vanished with a
                # broker restart); bounded, it becomes an outage the runner recovers from with a fresh consumer.
                async with asyncio.timeout(self._bus._commit_timeout):
                    await self._c().commit(offsets)
            except TimeoutError as exc:
                raise BusUnavailable(f"commit did not complete within {self._bus._commit_timeout}s") from exc
            except CommitFailedError as exc:
                # A rebalance took the partitions away. Nothing is lost: these records are handled and in the
                # inbox; whoever owns the partitions now gets them again and skips them. Rejoining here would
                # only cause another rebalance.
                log.warning("commit after a rebalance failed, records will be redelivered: %s", exc)
            except KafkaError as exc:
                raise BusUnavailable(f"commit failed: {exc!r}") from exc

    async def rewind(self) -> None:
        consumer = self._c()
        for tp in consumer.assignment():
            try:
                committed = await consumer.committed(tp)
            except KafkaError as exc:
                raise BusUnavailable(str(exc)) from exc
            if committed is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, committed)
