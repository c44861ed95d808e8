"""/metrics on every service, scraped while events flow: the numbers move with what the system does.

Run on the embedded default (SQLite files, embedded bus) and on PostgreSQL + a Kafka-protocol broker.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from libs.common.clock import china_today
from libs.common.messaging.bus import Record
from libs.common.settings import Settings
from services.referral.tables import referrals
from tests.e2e.board_seed import referral
from tests.e2e.system import auth, claim_body, eventually, person, system
from tests.working_days import working_days_in

pytestmark = pytest.mark.integration


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_counters_gauges_and_lag_follow_the_events(settings: Settings) -> None:
    async with system(settings) as api:
        for name in ("enrollment", "monitoring", "referral", "assistance"):
            samples = await scrape(api[name])
            assert value(samples, "safetynet_metrics_source_up", source="outbox") == 1
            assert value(samples, "safetynet_metrics_source_up", source="consumers") == 1
            assert value(samples, "safetynet_metrics_source_up", source="consumer_lag") == 1
            assert value(samples, "safetynet_outbox_backlog") is not None
        before = await scrape(api["monitoring"])
        assert value(before, "safetynet_events_processed_total", group="monitoring", topic="claims.settled") == 0
        referral_before = await scrape(api["referral"])
        assert value(referral_before, "safetynet_referrals_open", county="141123", agency="civil_affairs") is None

        # 85,000.00 total, 25,000.00 left to an ordinary resident: > 20,000.00 → warning → referrals.
        claim = claim_body("C-M-1", person(21), "25000.00")
        posted = await api["assistance"].post("/claims", headers=auth("medical_security"), json=claim)
        assert posted.status_code == 201, posted.text

        async def referral_counted() -> dict[tuple[str, frozenset[tuple[str, str]]], float] | None:
            samples = await scrape(api["referral"])
            opened = value(samples, "safetynet_referrals_open", county="141123", agency="civil_affairs")
            handled = value(samples, "safetynet_events_processed_total", group="referral", topic="risk.flagged")
            return samples if opened == 1 and handled == 1 else None

        samples = await eventually(referral_counted)
        assert value(samples, "safetynet_referrals_overdue", county="141123", agency="civil_affairs") == 0
        assert value(samples, "safetynet_metrics_source_up", source="referral_deadlines") == 1

        monitoring = await scrape(api["monitoring"])
        assert value(monitoring, "safetynet_events_processed_total", group="monitoring", topic="claims.settled") == 1
        # One registry per service, though all four run in one process: each reports only its own.
        assert {dict(labels).get("group") for (n, labels) in monitoring if n.startswith("safetynet_events")} == {
            "monitoring"
        }
        assert not any(n.startswith("safetynet_referrals") for (n, _) in monitoring)

        async def drained() -> bool:
            # Everything published and committed: no backlog in any outbox, no lag in any group.
            for name in ("assistance", "monitoring", "referral"):
                s = await scrape(api[name])
                if value(s, "safetynet_outbox_backlog") != 0:
                    return False
                if any(v != 0 for (n, _), v in s.items() if n == "safetynet_consumer_lag"):
                    return False
            return True

        await eventually(drained)
        lag = await scrape(api["referral"])
        assert value(lag, "safetynet_consumer_lag", group="referral", topic="risk.flagged") == 0

        # An overdue referral (due 10 days ago) shows at the next scrape, computed from SQL at scrape time.
        today = china_today()
        late = referral(99, "141123", "civil_affairs", today - timedelta(days=10))
        async with api.runtime("referral").engine.begin() as conn:
            await conn.execute(sa.insert(referrals), [late])
        samples = await scrape(api["referral"])
        assert value(samples, "safetynet_referrals_open", county="141123", agency="civil_affairs") == 2
        assert value(samples, "safetynet_referrals_overdue", county="141123", agency="civil_affairs") == 1
        # Counted here day by day (chinesecalendar, the operator file, else Monday–Friday), independently of the
        # service's calendar code: working days in (due, today].
        working_days = working_days_in(today - timedelta(days=10), today)
        most_late = "safetynet_referrals_max_working_days_overdue"
        assert value(samples, most_late, county="141123", agency="civil_affairs") == working_days

        # A record no contract decodes is poison: dead-lettered, counted, and the partition moves on.
        await api.runtime("referral").bus.publish([Record("risk.flagged", "k", b"not an envelope")])

        async def dead_lettered() -> bool:
            s = await scrape(api["referral"])
            return value(s, "safetynet_events_dead_lettered_total", group="referral", topic="risk.flagged") == 1

        await eventually(dead_lettered)
