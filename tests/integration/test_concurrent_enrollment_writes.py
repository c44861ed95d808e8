"""Roster changes and enrollments posted twice at the same moment, on PostgreSQL: the second answers as a resend
does (200, nothing new), never 500; one row and one event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from libs.common.messaging.contracts.enrollment import EnrollmentChangedV1, RosterChangedV1
from services.enrollment.tables import enrollments, messaging, roster_changes
from tests.e2e.system import auth, one_service_on_postgres, person

pytestmark = pytest.mark.integration
ROUNDS = 5
MS = {"Authorization": "Bearer dev-medical_security-141123"}


@pytest.fixture
async def enrollment(pg_admin_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    async with one_service_on_postgres(pg_admin_url, tmp_path, "enrollment") as app:
        yield app


async def post_twice(app: FastAPI, path: str, headers: dict[str, str], body: Mapping[str, object]) -> list[int]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://enrollment") as client:
        answers = await asyncio.gather(*(client.post(path, headers=headers, json=body) for _ in range(2)))
    return sorted(a.status_code for a in answers)


async def count(app: FastAPI, statement: sa.Select[int]) -> int:
    async with app.state.runtime.engine.connect() as conn:
        return int(await conn.scalar(statement) or 0)


def events(event_type: str) -> sa.Select[int]:
    outbox = messaging.outbox
    return sa.select(sa.func.count()).where(outbox.c.event_type == event_type)


async def test_a_roster_change_twice_at_the_same_moment(enrollment: FastAPI) -> None:
    for round_ in range(ROUNDS):
        body = {"id_number": person(100 + round_), "name": "李四", "region_code": "141123", "change_type": "新增",
                "category": "低保", "effective_date": "2026-01-05"}  # fmt: skip
        assert await post_twice(enrollment, "/roster/changes", auth("civil_affairs"), body) == [200, 201]
    assert await count(enrollment, sa.select(sa.func.count()).select_from(roster_changes)) == ROUNDS
    assert await count(enrollment, events(RosterChangedV1.event_type)) == ROUNDS


async def test_an_enrollment_twice_at_the_same_moment(enrollment: FastAPI) -> None:
    for round_ in range(ROUNDS):
        body = {"id_number": person(110 + round_), "name": "孙七", "region_code": "141123", "year": 2026, "tier": 1,
                "status": "paid", "effective_date": "2026-01-10"}  # fmt: skip
        assert await post_twice(enrollment, "/enrollments", MS, body) == [200, 201]
    assert await count(enrollment, sa.select(sa.func.count()).select_from(enrollments)) == ROUNDS
    assert await count(enrollment, events(EnrollmentChangedV1.event_type)) == ROUNDS
