"""Live totals == rebuilt totals == the correction rule worked in plain Python, for 10,000 random claims with
resends, redeliveries, 冲销 (zeros), 更正 chains and corrections that overtake their originals; and the same
property for many small random cases (hypothesis)."""

from __future__ import annotations

import asyncio
import random
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libs.common.categories import Category
from libs.common.messaging.bus import Delivery
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from services.cli import rebuild_monitoring_year
from services.monitoring.accumulate import parts_of
from services.monitoring.corrections import ClaimFact, year_totals
from services.monitoring.rebuild import rebuild_year, totals_from_facts
from services.monitoring.tables import year_burdens
from tests.conftest import make_settings
from tests.integration.monitoring_harness import Monitor, batches, claim, delivery, monitor, roster

YEARS = (2025, 2026)


def _fact(c: ClaimSettledV1) -> ClaimFact:
    return ClaimFact(c.claim_id, c.person_key, c.settlement_date.year, parts_of(c), c.corrects_claim_id)


def _random_claims(rng: random.Random, n: int, persons: int) -> list[ClaimSettledV1]:
    made: list[ClaimSettledV1] = []
    for i in range(n):
        person = f"p{rng.randrange(persons)}"
        on = date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28))
        corrects = None
        own = [c for c in made[-200:] if c.person_key == person]
        if own and rng.random() < 0.2:
            corrects = rng.choice(own).claim_id  # may itself be a correction: chains
        if corrects and rng.random() < 0.3:
            burden, self_pay, assistance = "0.00", "0.00", "0.00"  # 冲销
        else:
            cents = rng.randint(0, 900_000)
            burden = f"{cents // 100}.{cents % 100:02d}"
            self_pay = f"{Decimal(burden) * Decimal(rng.randint(0, 100)) / 100:.2f}"
            assistance = f"{rng.randint(0, 2000)}.{rng.randint(0, 99):02d}"
        made.append(claim(f"K{i}", person, burden, on=on, self_pay=self_pay, assistance=assistance, corrects=corrects))
    return made


def _arrivals(rng: random.Random, claims: list[ClaimSettledV1]) -> list[Delivery]:
    """Every claim once, plus resends (same claim id, new event) and redeliveries (same event), shuffled."""
    out = [delivery(c, c.person_key) for c in claims]
    out += [delivery(c, c.person_key) for c in rng.sample(claims, len(claims) // 20)]
    out += rng.sample(out, len(out) // 30)
    rng.shuffle(out)
    return out


async def _check(m: Monitor, claims: list[ClaimSettledV1]) -> None:
    expected = year_totals(_fact(c) for c in claims)
    for year in YEARS:
        live = await m.totals(year)
        assert live == {k: v for k, v in expected.items() if k[1] == year}
        async with m.engine.begin() as conn:
            rebuilt = await totals_from_facts(conn, year)
            assert {k: parts for k, (_, parts) in rebuilt.items()} == live
            result = await rebuild_year(conn, year)
        assert (result.person_years, result.differing) == (len(live), 0)
        assert await m.totals(year) == live


async def test_10000_random_claims_live_equals_rebuilt(database_url_template: str, tmp_path: Path) -> None:
    rng = random.Random(20261123)
    claims = _random_claims(rng, 10_000, persons=300)
    arrivals = _arrivals(rng, claims)
    url = database_url_template.format(service="monitoring")
    async with monitor(url, tmp_path) as m:
        # Some persons hold categories, so flags are raised on the way (flags never change totals).
        await m.send(*(roster(f"p{i}", Category.DIBAO, date(2025, 1, 1)) for i in range(0, 300, 3)))
        for batch in batches(arrivals, [1, 7, 500, 2000, 64, 1000]):
            await m.send(*batch)
        assert corrections_happened(claims)
        await _check(m, claims)
        assert await m.flags()  # 低保 persons over 6,000.00: the flag path ran inside the same batches


def corrections_happened(claims: list[ClaimSettledV1]) -> bool:
    reversals = [c for c in claims if c.corrects_claim_id and c.personal_burden == 0]
    corrected = {c.corrects_claim_id for c in claims}
    chains = [c for c in claims if c.corrects_claim_id and c.claim_id in corrected]
    return bool(reversals) and bool(chains)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), n=st.integers(1, 40), sizes=st.lists(st.integers(1, 12), min_size=1, max_size=4))
def test_small_random_cases_live_equals_rebuilt_on_sqlite(tmp_path: Path, seed: int, n: int, sizes: list[int]) -> None:
    rng = random.Random(seed)
    claims = _random_claims(rng, n, persons=3)
    arrivals = _arrivals(rng, claims)
    url = f"sqlite+aiosqlite:///{tmp_path}/{uuid4().hex}.sqlite"

    async def run() -> None:
        async with monitor(url, tmp_path) as m:
            for batch in batches(arrivals, sizes):
                await m.send(*batch)
            await _check(m, claims)

    asyncio.run(run())


async def test_the_rebuild_command_repairs_a_total_that_drifted(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with monitor(settings.service_database_url("monitoring"), tmp_path) as m:
        await m.send(claim("C-1", "p1", "1200.00"), claim("C-2", "p1", "300.00"), claim("C-3", "p2", "50.00"))
        async with m.engine.begin() as conn:  # a total damaged by hand (or by a bug): 1,500.00 → 9,999.00
            await conn.execute(sa.update(year_burdens).where(year_burdens.c.person_key == "p1").values(burden=9999))
    result = await rebuild_monitoring_year(settings, 2026)
    assert (result.person_years, result.differing) == (2, 1)
    async with monitor(settings.service_database_url("monitoring"), tmp_path) as m:
        assert (await m.totals())[("p1", 2026)].burden == Decimal("1500.00")  # 1,200.00 + 300.00
