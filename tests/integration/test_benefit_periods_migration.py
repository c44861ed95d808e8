"""The migrations that add benefit_periods carry over the periods already recorded, on SQLite and PostgreSQL.

Enrollment keeps every roster change, so a period's benefit dates are the list dates of the changes that opened
and closed it; assistance never stored the list date, so it copies the periods as they are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from libs.common.db import create_engine
from libs.common.migrations import upgrade
from tests import backends

ADDED_ON, LISTED_ON = date(2026, 3, 1), date(2026, 3, 20)
EXITED_ON, EXIT_LISTED_ON = date(2026, 8, 1), date(2026, 8, 12)


async def _at_revision(url: str, service: str, revision: str) -> None:
    engine = create_engine(url)

    def run(sync_conn: sa.Connection) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(backends.REPO / "services" / service / "migrations"))
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


def _change(kind: str, effective: date, listed: date) -> dict[str, object]:
    return {
        "change_id": f"c-{kind}", "person_key": "p1", "id_number": "141123196005010128", "name": "张三",
        "region_code": "141123", "township": None, "village": None, "change_type": kind, "category": "dibao",
        "effective_date": effective, "list_date": listed, "agency": "civil_affairs",
        "recorded_at": datetime(2026, 3, 20, tzinfo=UTC),
    }  # fmt: skip


async def test_enrollment_benefit_periods_take_the_list_dates(database_url_template: str) -> None:
    url = database_url_template.replace("{service}", "enrollment")
    await _at_revision(url, "enrollment", "e14a00060006")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            changes = sa.table("roster_changes", *[sa.column(n) for n in _change("added", ADDED_ON, LISTED_ON)])
            await conn.execute(changes.insert(), [_change("added", ADDED_ON, LISTED_ON)])
            await conn.execute(changes.insert(), [_change("exited", EXITED_ON, EXIT_LISTED_ON)])
            periods = sa.table("category_periods", *[sa.column(n) for n in ("person_key", "category", "valid_from",
                                                                              "valid_to")])  # fmt: skip
            await conn.execute(
                periods.insert(),
                [
                    {"person_key": "p1", "category": "dibao", "valid_from": ADDED_ON, "valid_to": EXITED_ON},
                    # A period whose opening change is not on record keeps its own dates.
                    {"person_key": "p2", "category": "tekun", "valid_from": ADDED_ON, "valid_to": None},
                ],
            )
        await upgrade(engine, backends.REPO / "services" / "enrollment" / "migrations")
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text(
                "SELECT person_key, valid_from, valid_to FROM benefit_periods ORDER BY person_key"
            ))).all()  # fmt: skip
            kept = (
                await conn.execute(sa.text("SELECT valid_from FROM category_periods WHERE person_key = 'p1'"))
            ).all()
    finally:
        await engine.dispose()
    as_dates = [(r[0], _day(r[1]), _day(r[2])) for r in rows]
    assert as_dates == [("p1", LISTED_ON, EXIT_LISTED_ON), ("p2", ADDED_ON, None)]
    assert [_day(r[0]) for r in kept] == [ADDED_ON]  # monitoring's reading is untouched


async def test_assistance_benefit_periods_copy_the_category_periods(database_url_template: str) -> None:
    url = database_url_template.replace("{service}", "assistance")
    await _at_revision(url, "assistance", "e14a00040004")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO category_periods (person_key, category, valid_from, valid_to) "
                    "VALUES ('p1', 'dibao', :start, NULL)"
                ),
                {"start": ADDED_ON},
            )
        await upgrade(engine, backends.REPO / "services" / "assistance" / "migrations")
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT person_key, category, valid_from FROM benefit_periods"))).all()
    finally:
        await engine.dispose()
    assert [(r[0], r[1], _day(r[2])) for r in rows] == [("p1", "dibao", ADDED_ON)]


def _day(value: object) -> date | None:
    """SQLite hands dates back as text through a raw query."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
