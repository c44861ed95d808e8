"""ServiceMetrics: sources read at scrape time, one registry per service, a failing source reported not fatal."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

from libs.common import metrics
from libs.common.metrics import ServiceMetrics


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }


async def test_sources_are_read_at_every_scrape_and_failures_are_reported_per_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(metrics, "SOURCE_TIMEOUT", 0.2)
    backlog = [5]

    async def outbox() -> list[Metric]:
        gauge = GaugeMetricFamily("safetynet_outbox_backlog", "unpublished")
        gauge.add_metric([], backlog[0])
        return [gauge]

    async def broken() -> list[Metric]:
        raise ConnectionError("broker down")

    async def stuck() -> list[Metric]:
        await asyncio.sleep(10)
        return []

    service = ServiceMetrics()
    for name, source in (("outbox", outbox), ("consumer_lag", broken), ("slow", stuck)):
        service.add_source(name, source)

    first = samples(await service.render())
    assert first[("safetynet_outbox_backlog", ())] == 5
    up = {k[1][0][1]: v for k, v in first.items() if k[0] == "safetynet_metrics_source_up"}
    assert up == {"outbox": 1, "consumer_lag": 0, "slow": 0}
    assert any(name.startswith("process_") for name, _ in first)  # the standard process metrics are there too

    backlog[0] = 0
    assert samples(await service.render())[("safetynet_outbox_backlog", ())] == 0  # read again, not cached


async def test_two_services_in_one_process_do_not_share_a_registry() -> None:
    async def one() -> list[Metric]:
        gauge = GaugeMetricFamily("safetynet_outbox_backlog", "unpublished")
        gauge.add_metric([], 1)
        return [gauge]

    a, b = ServiceMetrics(), ServiceMetrics()
    a.add_source("outbox", one)
    assert ("safetynet_outbox_backlog", ()) in samples(await a.render())
    assert ("safetynet_outbox_backlog", ()) not in samples(await b.render())
