"""Blind spots where an operator looks: a WARN line for each at every service start, and a gauge at /metrics."""

from __future__ import annotations

import logging
from collections import Counter

from prometheus_client.core import GaugeMetricFamily, Metric

from libs.common.clock import china_today
from libs.common.metrics import MetricSource
from libs.common.policy.blind_spots import blind_spots
from libs.common.policy.book import PolicyBook

log = logging.getLogger(__name__)


def warn_blind_spots(service: str, book: PolicyBook) -> int:
    """Log every blind spot of today's year; returns how many there are."""
    spots = blind_spots(book, china_today())
    for spot in spots:
        log.warning("%s: policy blind spot — %s [%s]", service, spot.label, spot.detail)
    return len(spots)


def blind_spot_source(book: PolicyBook) -> MetricSource:
    async def source() -> list[Metric]:
        gauge = GaugeMetricFamily(
            "safetynet_policy_blind_spots",
            "What the policy packs cannot evaluate this year (a missing figure, an ended pack carried forward, an "
            "unconfirmed value in use), by region, section and year",
            labels=["region", "section", "year", "kind"],
        )
        today = china_today()
        counts = Counter((s.region_code, s.section, str(s.year), s.kind.value) for s in blind_spots(book, today))
        for labels, count in sorted(counts.items()):
            gauge.add_metric(list(labels), count)
        return [gauge]

    return source
