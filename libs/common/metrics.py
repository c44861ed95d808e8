"""Prometheus metrics at /metrics: one registry per service, filled at scrape time from the database and the bus.

One registry per service app, not prometheus-client's global default: `make run` serves the four services from
one process, and each must report its own outbox and consumers on its own port. The numbers are read when
Prometheus scrapes (a few indexed COUNTs), so they are the database's truth, not a cache that can drift; a
source that fails (database or broker down) is reported as ``safetynet_metrics_source_up 0`` instead of failing
the whole scrape.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from libs.common.messaging.bus import Bus
from libs.common.messaging.consumer import ConsumerRunner
from libs.common.messaging.outbox_relay import OutboxRelay
from libs.common.supervisor import Supervisor

log = logging.getLogger(__name__)

# Async, because every number comes from SQL or the broker; prometheus-client's collect() is synchronous, so the
# sources run first and a collector hands their families to the registry.
MetricSource = Callable[[], Awaitable[Iterable[Metric]]]
SOURCE_TIMEOUT = 10.0  # below Prometheus's default scrape timeout, so a stuck source still leaves an answer


class _Latest(Collector):
    def __init__(self) -> None:
        self.families: list[Metric] = []

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        for standard in (ProcessCollector, PlatformCollector, GCCollector):
            standard(registry=self.registry)
        self._latest = _Latest()
        self.registry.register(self._latest)
        self._sources: dict[str, MetricSource] = {}
        self._lock = asyncio.Lock()  # two overlapping scrapes must not interleave their snapshots

    def add_source(self, name: str, source: MetricSource) -> None:
        self._sources[name] = source

    async def _run(self, name: str, source: MetricSource) -> list[Metric] | None:
        try:
            async with asyncio.timeout(SOURCE_TIMEOUT):
                return list(await source())
        except Exception:
            log.warning("metrics source %s failed", name, exc_info=True)
            return None

    async def render(self) -> bytes:
        """The exposition text: every source read now, plus the process metrics."""
        async with self._lock:
            names = list(self._sources)
            results = await asyncio.gather(*(self._run(n, self._sources[n]) for n in names))
            up = GaugeMetricFamily(
                "safetynet_metrics_source_up", "1 if the source answered at this scrape, else 0", labels=["source"]
            )
            families: list[Metric] = []
            for name, result in zip(names, results, strict=True):
                up.add_metric([name], 0 if result is None else 1)
                families.extend(result or [])
            self._latest.families = [*families, up]
            return generate_latest(self.registry)


def outbox_source(relay: OutboxRelay) -> MetricSource:
    async def source() -> list[Metric]:
        backlog = GaugeMetricFamily("safetynet_outbox_backlog", "Outbox rows not yet published to the bus")
        backlog.add_metric([], await relay.backlog())
        return [backlog]

    return source


def consumer_counts_source(runners: Sequence[ConsumerRunner]) -> MetricSource:
    """Records handled and dead-lettered per group and topic, counted in the runners (in memory: never fails)."""

    async def source() -> list[Metric]:
        labels = ["group", "topic"]
        handled = CounterMetricFamily(
            "safetynet_events_processed", "Records handled (or found in the inbox) by the group", labels=labels
        )
        dead = CounterMetricFamily(
            "safetynet_events_dead_lettered", "Records sent to the group's dead-letter topic", labels=labels
        )
        for runner in runners:
            for topic in runner.topics:
                # Every subscribed topic from the start at 0, so rate() and increase() see the first event.
                handled.add_metric([runner.group, topic], runner.handled_by_topic[topic])
                dead.add_metric([runner.group, topic], runner.dead_lettered_by_topic[topic])
        return [handled, dead]

    return source


def consumer_lag_source(bus: Bus, runners: Sequence[ConsumerRunner]) -> MetricSource:
    """Lag from the bus (log end − committed position): a source of its own, as the broker may be down."""

    async def source() -> list[Metric]:
        lag = GaugeMetricFamily(
            "safetynet_consumer_lag", "Records the group has not committed yet", labels=["group", "topic"]
        )
        for runner in runners:
            for topic, behind in (await bus.consumer_lag(runner.group, runner.topics)).items():
                lag.add_metric([runner.group, topic], behind)
        return [lag]

    return source


def task_source(supervisor: Supervisor) -> MetricSource:
    """The service's supervised tasks (relay, consumers, periodic jobs): restarts after a death, and whether each
    runs now or waits out its back-off (in memory: never fails)."""

    async def source() -> list[Metric]:
        restarts = CounterMetricFamily(
            "safetynet_task_restarts", "Times a task (relay, consumer, periodic job) died and was restarted",
            labels=["task"],
        )  # fmt: skip
        up = GaugeMetricFamily(
            "safetynet_task_up", "1 if the task runs, 0 while it waits to be restarted", labels=["task"]
        )
        for name in supervisor.names:
            restarts.add_metric([name], supervisor.restarts[name])
            up.add_metric([name], 0 if name in supervisor.failing else 1)
        return [restarts, up]

    return source
