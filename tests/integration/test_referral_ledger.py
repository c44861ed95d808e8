"""The referral answers ledger is insert-only in the database itself (a trigger from the referral migrations), on
SQLite and PostgreSQL: an entry can be added, never changed or removed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.db import create_engine
from libs.common.migrations import upgrade
from services.referral.tables import referral_responses, referrals

pytestmark = pytest.mark.integration
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "referral" / "migrations"


@pytest.fixture
async def engine(database_url_template: str) -> AsyncIterator[AsyncEngine]:
    e = create_engine(database_url_template.replace("{service}", "referral"))
    await upgrade(e, MIGRATIONS)
    async with e.begin() as conn:
        await conn.execute(
            referrals.insert().values(
                referral_id="R1", flag_id="F1", person_key="P1", id_number="141123196204010014", name="王五",
                region_code="141123", agency="civil_affairs", risk_description="…", opened_on=date(2026, 9, 25),
                due_on=date(2026, 10, 9), due_provisional=False, deadline_rule_id="shanxi-2022:referral",
                status="resolved",
            )
        )  # fmt: skip
        await conn.execute(
            referral_responses.insert().values(
                response_id="A1", referral_id="R1", action="resolved", outcome="included_dibao",
                answered_by="兴县民政局", answered_by_agency="civil_affairs", answered_on=date(2026, 9, 28),
            )
        )  # fmt: skip
    yield e
    await e.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        referral_responses.update().where(referral_responses.c.response_id == "A1").values(outcome="not_eligible"),
        referral_responses.delete().where(referral_responses.c.response_id == "A1"),
    ],
    ids=["update", "delete"],
)
async def test_a_ledger_entry_cannot_be_changed_or_removed(engine: AsyncEngine, statement: sa.Executable) -> None:
    with pytest.raises(DBAPIError, match="insert-only"):
        async with engine.begin() as conn:
            await conn.execute(statement)
    async with engine.connect() as conn:
        assert await conn.scalar(sa.select(referral_responses.c.outcome)) == "included_dibao"
