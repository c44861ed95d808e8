"""Claims posted at the same moment, on PostgreSQL (where two requests really are in their transactions at once):
a resend answers what the first answered, a taken claim id answers 409, and a person's year-to-date adds up.
Never a 500, and one row and one event per claim."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from services.assistance.tables import claims, messaging, year_to_date
from tests.e2e.system import auth, claim_body, one_service_on_postgres, person

pytestmark = pytest.mark.integration
ROUNDS = 5


@pytest.fixture
async def assistance(pg_admin_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    async with one_service_on_postgres(pg_admin_url, tmp_path, "assistance") as app:
        yield app


async def post_together(app: FastAPI, *bodies: dict[str, object]) -> list[httpx.Response]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://assistance") as client:
        return list(
            await asyncio.gather(*(client.post("/claims", headers=auth("medical_security"), json=b) for b in bodies))
        )


async def count(app: FastAPI, statement: sa.Select[int]) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return int(await conn.scalar(statement) or 0)


async def test_a_resend_at_the_same_moment_answers_as_the_first(assistance: FastAPI) -> None:
    for round_ in range(ROUNDS):
        body = claim_body(f"C-TWICE-{round_}", person(60 + round_), "1000.00")
        first, second = await post_together(assistance, body, body)
        assert sorted([first.status_code, second.status_code]) == [200, 201], (first.text, second.text)
        assert first.json() == second.json()
    outbox = messaging.outbox
    assert await count(assistance, sa.select(sa.func.count()).select_from(claims)) == ROUNDS
    assert await count(assistance, sa.select(sa.func.count()).where(outbox.c.topic == "claims.settled")) == ROUNDS


async def test_a_claim_id_taken_at_the_same_moment_answers_409(assistance: FastAPI) -> None:
    for round_ in range(ROUNDS):
        ours = claim_body(f"C-TAKEN-{round_}", person(70 + round_), "1000.00")
        theirs = claim_body(f"C-TAKEN-{round_}", person(80 + round_), "2000.00")
        answers = await post_together(assistance, ours, theirs)
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    outbox = messaging.outbox
    assert await count(assistance, sa.select(sa.func.count()).where(outbox.c.topic == "claims.settled")) == ROUNDS


async def test_a_persons_claims_at_the_same_moment_all_count_toward_the_year(assistance: FastAPI) -> None:
    someone = person(90)
    bodies = [claim_body(f"C-YEAR-{i}", someone, "1000.00") for i in range(4)]
    answers = await post_together(assistance, *bodies)
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    paid = sum(Decimal(a.json()["critical_illness_paid"]) for a in answers)
    async with assistance.state.runtime.engine.connect() as conn:
        recorded = await conn.scalar(sa.select(sa.func.sum(year_to_date.c.critical_paid)))
    assert recorded == paid
