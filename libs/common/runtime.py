"""What every service is made of: its own database, the bus, the outbox relay and its consumers.

Built by each service's bootstrap from settings; nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import sqlalchemy as sa

from libs.common.db import create_engine
from libs.common.idcard import person_key
from libs.common.messaging import topics
from libs.common.messaging.bus import Bus, BusUnavailable
from libs.common.messaging.consumer import ConsumerRunner, HandlerEntry
from libs.common.messaging.contracts import Contract
from libs.common.messaging.embedded_bus import EmbeddedBus
from libs.common.messaging.kafka_bus import KafkaBus
from libs.common.messaging.outbox_relay import OutboxRelay
from libs.common.messaging.tables import MessagingTables
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.metrics import (
    ServiceMetrics,
    consumer_counts_source,
    consumer_lag_source,
    outbox_source,
    task_source,
)
from libs.common.migrations import upgrade
from libs.common.settings import Settings
from libs.common.start_up import until_done
from libs.common.supervisor import Supervisor

log = logging.getLogger(__name__)


def build_bus(settings: Settings, client_id: str) -> Bus:
    if settings.bus == "kafka":
        return KafkaBus(
            settings.kafka_bootstrap_servers,
            client_id=client_id,
            idempotence=settings.kafka_idempotence,
            topic_prefix=settings.topic_prefix,
            partitions=settings.kafka_partitions,
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=max(100, settings.kafka_session_timeout_ms // 10),
            fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        )
    return EmbeddedBus(settings.embedded_bus_url(), topic_prefix=settings.topic_prefix)


class ServiceRuntime:
    def __init__(
        self,
        *,
        name: str,
        settings: Settings,
        tables: MessagingTables,
        migrations: Path,
        bus: Bus | None = None,
    ) -> None:
        """``bus`` is shared when several services run in one process; otherwise the runtime makes its own."""
        self.name = name
        self.settings = settings
        self.tables = tables
        self.engine = create_engine(settings.service_database_url(name))
        self.bus = bus or build_bus(settings, name)
        self._owns_bus = bus is None
        self._migrations = migrations
        self.relay = OutboxRelay(self.engine, tables, self.bus)
        self.consumers: list[ConsumerRunner] = []
        # Relay, consumers and periodic jobs: restarted when they die, reported at /healthz and /metrics.
        self.tasks = Supervisor(name)
        self._periodic: list[tuple[str, float, Callable[[], Awaitable[object]]]] = []
        self._at_start: list[Callable[[], Awaitable[object]]] = []
        self._stopping = False
        # Served at /metrics by create_app; a service adds its own sources (the referral deadlines) in build().
        self.metrics = ServiceMetrics()
        self.metrics.add_source("outbox", outbox_source(self.relay))
        self.metrics.add_source("consumers", consumer_counts_source(self.consumers))
        self.metrics.add_source("consumer_lag", consumer_lag_source(self.bus, self.consumers))
        self.metrics.add_source("tasks", task_source(self.tasks))

    def person_key(self, id_number: str, *, validated: bool = False) -> str:
        secret = self.settings.person_key_secret.get_secret_value().encode()
        return person_key(id_number, secret, validated=validated)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.tables, f"/safetynet/{self.name}", self.relay.wakeup)

    def subscribe(self, handlers: Mapping[type[Contract], HandlerEntry], *, max_records: int = 500) -> ConsumerRunner:
        runner = ConsumerRunner(
            group=self.name,
            bus=self.bus,
            uow_factory=self.uow,
            handlers=handlers,
            inbox=self.tables.inbox,
            max_records=max_records,
            overlap=self.engine.dialect.name == "postgresql",
        )
        self.consumers.append(runner)
        return runner

    def every(self, name: str, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        """Run ``job`` once at start and then every ``seconds`` while the service runs (e.g. a deadline scan)."""
        self._periodic.append((name, seconds, job))

    def at_start(self, job: Callable[[], Awaitable[object]]) -> None:
        """Run ``job`` once the database is migrated, before anything is published or consumed (e.g. layer the
        operators' policy entries over the packs)."""
        self._at_start.append(job)

    async def _run_periodic(self, name: str, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        while not self._stopping:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A database outage must not end the loop: the next turn retries, and the job is idempotent.
                log.warning("%s: periodic %s failed (%r); retrying in %.1fs", self.name, name, exc, seconds)
            await asyncio.sleep(seconds)

    async def migrate(self) -> None:
        await upgrade(self.engine, self._migrations)

    async def start(self) -> None:
        """Migrate, run the start-up jobs and connect to the bus, each waiting out an outage of the database or
        the broker (a service started before them comes up when they do); then start the supervised tasks."""
        await until_done(self.name, "数据库 / the database (migrations)", self.migrate)
        for job in self._at_start:
            await until_done(self.name, "数据库 / the database (start-up job)", job)
        if self._owns_bus:
            await until_done(self.name, "消息总线 / the broker", self.bus.start)
        self.tasks.start("relay", self.relay.run)
        for i, runner in enumerate(self.consumers):
            name = f"consumer-{i}" if len(self.consumers) > 1 else "consumer"
            # A runner that dies is restarted alone, from its group's committed offsets (stop drops its connection).
            self.tasks.start(name, functools.partial(self._consume, runner), before_restart=runner.stop)
        for name, seconds, job in self._periodic:
            self.tasks.start(name, functools.partial(self._run_periodic, name, seconds, job))

    async def _ensure_topics(self) -> None:
        wanted = [*topics.PUBLISHED_TOPICS, *(topics.dead_letter_topic(c.group) for c in self.consumers)]
        backoff = 0.5
        while True:
            try:
                await self.bus.ensure_topics(wanted)
                return
            except BusUnavailable as exc:
                log.warning("%s: cannot create topics yet (%s); retrying in %.1fs", self.name, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _consume(self, runner: ConsumerRunner) -> None:
        await self._ensure_topics()
        await runner.run()

    async def stop(self) -> None:
        # The flags end the loops at their next turn even if a cancellation were lost; the wait is bounded so a
        # stuck task is reported instead of hanging the shutdown.
        self.relay.stopping = True
        self._stopping = True
        for runner in self.consumers:
            runner.stopping = True
        await self.tasks.stop(timeout=10)
        for runner in self.consumers:
            await runner.stop()
        if self._owns_bus:
            await self.bus.stop()
        await self.engine.dispose()

    async def healthy(self) -> bool:
        async with self.engine.connect() as conn:
            return bool(await conn.scalar(sa.select(1)))
