"""The referral service's overdue scan over its migrated tables, on SQLite and PostgreSQL: breaches are taken in
batches, each batch one transaction with its outbox events, until none is left; answered referrals never count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.calendar import WorkingCalendar
from libs.common.db import create_engine
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.migrations import upgrade
from services.referral.overdue import OverdueScan
from services.referral.tables import messaging, referrals

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "referral" / "migrations"


@pytest.fixture
async def engine(database_url_template: str) -> AsyncIterator[AsyncEngine]:
    e = create_engine(database_url_template.replace("{service}", "referral"))
    await upgrade(e, MIGRATIONS)
    yield e
    await e.dispose()


def referral(n: int, status: str = "open", closed_on: date | None = None) -> dict[str, object]:
    return {
        "referral_id": f"R{n}", "flag_id": f"F{n}", "person_key": f"P{n}", "id_number": "141123196204010014",
        "name": "王五", "region_code": "141123", "agency": "civil_affairs", "risk_description": "…",
        "opened_on": date(2026, 9, 25), "due_on": date(2026, 10, 9), "due_provisional": False,
        "deadline_rule_id": "shanxi-2022:referral", "status": status, "closed_on": closed_on,
    }  # fmt: skip


async def test_the_scan_publishes_every_breach_once_in_batches(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            referrals.insert(),
            [referral(n) for n in range(7)] + [referral(9, "resolved", date(2026, 10, 9))],
        )
    # Due Fri 2026-10-09; on Mon 10-12 seven are unanswered: batches of 3 → 3 + 3 + 1.
    scan = OverdueScan(lambda: UnitOfWork(engine, messaging, "/test"), WorkingCalendar(), lambda: date(2026, 10, 12), 3)
    assert await scan.run_once() == 7
    assert await scan.run_once() == 0
    async with engine.connect() as conn:
        events = (await conn.execute(sa.select(messaging.outbox.c.topic, messaging.outbox.c.key))).all()
        noted = (await conn.execute(sa.select(referrals.c.referral_id, referrals.c.breach_noted_on))).all()
    assert sorted(events) == [("referral.overdue", f"P{n}") for n in range(7)]
    assert dict(noted) == {**{f"R{n}": date(2026, 10, 12) for n in range(7)}, "R9": None}


async def test_a_referral_with_no_decision_deadline_is_never_overdue(engine: AsyncEngine) -> None:
    # Opened Fri 2026-09-25 under a pack that sets no decision deadline (Shanxi's 规定时间 has no number): on Tue
    # 2026-12-01 it has only waited, and the scan passes it by; the one due Fri 2026-10-09 is noted.
    async with engine.begin() as conn:
        await conn.execute(referrals.insert(), [{**referral(1), "due_on": None}, referral(2)])
    scan = OverdueScan(lambda: UnitOfWork(engine, messaging, "/test"), WorkingCalendar(), lambda: date(2026, 12, 1))
    assert await scan.run_once() == 1
    async with engine.connect() as conn:
        noted = dict((await conn.execute(sa.select(referrals.c.referral_id, referrals.c.breach_noted_on))).all())
    assert noted == {"R1": None, "R2": date(2026, 12, 1)}
