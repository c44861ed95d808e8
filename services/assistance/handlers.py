"""Command and event handlers of the assistance service: state change and outgoing event in one unit of work."""

from __future__ import annotations

from dataclasses import asdict, fields
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.categories import Category
from libs.common.db import insert_ignoring_duplicates, lock_in_transaction
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.policy import PolicyBook
from libs.common.policy.explanation import steps_as_json
from libs.common.read_models.categories import apply_benefit_change, apply_roster_change, categories_on
from services.assistance.commands import RecordClaim
from services.assistance.domain import SettledClaim
from services.assistance.domain.settlement import Result, YearToDate, settle
from services.assistance.tables import benefit_periods, category_periods, claims, year_to_date


class ClaimConflict(Exception):
    """The claim id is already recorded from a different request."""


_FIELDS = [f.name for f in fields(SettledClaim)]
_YTD_FIELDS = [f.name for f in fields(YearToDate)]


async def get_claim(conn: AsyncConnection, claim_id: str) -> SettledClaim | None:
    row = (await conn.execute(sa.select(*[claims.c[f] for f in _FIELDS]).where(claims.c.claim_id == claim_id))).first()
    return SettledClaim(**row._mapping) if row else None


async def get_explanation(conn: AsyncConnection, claim_id: str) -> list[dict[str, Any]] | None:
    value = await conn.scalar(sa.select(claims.c.explanation).where(claims.c.claim_id == claim_id))
    return list(value) if value is not None else None


async def load_year_to_date(conn: AsyncConnection, person_key: str, year: int) -> YearToDate:
    y = year_to_date.c
    row = (await conn.execute(sa.select(year_to_date).where(y.person_key == person_key, y.year == year))).first()
    return YearToDate(**{f: Decimal(row._mapping[f]) for f in _YTD_FIELDS}) if row else YearToDate()


async def _save_year_to_date(conn: AsyncConnection, person_key: str, year: int, ytd: YearToDate) -> None:
    y = year_to_date.c
    values = asdict(ytd)
    updated = await conn.execute(
        year_to_date.update().where(y.person_key == person_key, y.year == year).values(**values)
    )
    if updated.rowcount == 0:
        await conn.execute(year_to_date.insert().values(person_key=person_key, year=year, **values))


def _claim(cmd: RecordClaim, **amounts: Decimal) -> SettledClaim:
    """The claim as recorded: the command's identity fields plus the amounts, however they were arrived at."""
    return SettledClaim(
        claim_id=cmd.claim_id,
        person_key=cmd.person_key,
        id_number=cmd.id_number,
        name=cmd.name,
        region_code=cmd.region_code,
        settlement_date=cmd.settlement_date,
        diagnosis=cmd.diagnosis,
        corrects_claim_id=cmd.corrects_claim_id,
        **amounts,
    )


def _from_result(cmd: RecordClaim, result: Result) -> SettledClaim:
    return _claim(
        cmd,
        total_cost=result.total,
        basic_insurance_paid=result.basic,
        critical_illness_paid=result.critical_illness,
        # All of these come out of the medical assistance fund.
        medical_assistance_paid=result.medical_assistance + result.out_of_catalog_assistance + result.tilted,
        other_paid=result.hospital_borne,
        personal_burden=result.burden,
    )


def _as_settled_ytd(ytd: YearToDate, claim: SettledClaim, cmd: RecordClaim) -> YearToDate:
    # Without a breakdown the whole cost less basic counts toward the critical-illness base (an upper bound).
    in_catalog = cmd.cost.in_catalog if cmd.cost else claim.total_cost
    outpatient = cmd.cost is not None and cmd.cost.visit.value == "outpatient"
    return YearToDate(
        critical_base=ytd.critical_base + in_catalog - claim.basic_insurance_paid,
        critical_paid=ytd.critical_paid + claim.critical_illness_paid,
        assistance_paid=ytd.assistance_paid + claim.medical_assistance_paid,
        outpatient_assistance_paid=ytd.outpatient_assistance_paid
        + (claim.medical_assistance_paid if outpatient else 0),
        policy_burden=ytd.policy_burden + claim.personal_burden,
        tilted_paid=ytd.tilted_paid,
    )


async def quote(
    conn: AsyncConnection,
    book: PolicyBook,
    cmd: RecordClaim,
    held: frozenset[Category] | None = None,
    ytd: YearToDate | None = None,
) -> tuple[SettledClaim, Result | None, str | None]:
    """Settle (or take as settled) without recording anything. ``held``/``ytd`` override what is on record."""
    if ytd is None:
        ytd = await load_year_to_date(conn, cmd.person_key, cmd.settlement_date.year)
    if cmd.as_settled is not None:
        claim = _claim(cmd, total_cost=cmd.total_cost, **asdict(cmd.as_settled))
        return claim, None, None
    assert cmd.cost is not None
    pack = book.for_county(cmd.region_code, cmd.settlement_date, "settlement")
    if held is None:
        # Benefits from the day the list was provided (seed 000 四 自…提供名单之日起), not the 动态调整时间 the
        # monitoring service counts the claim's category from: see libs/common/read_models/categories.py.
        held = await categories_on(conn, benefit_periods, cmd.person_key, cmd.settlement_date)
    result = settle(pack, cmd.cost, held, ytd)
    return _from_result(cmd, result), result, pack.id


async def _as_recorded(conn: AsyncConnection, cmd: RecordClaim) -> SettledClaim | None:
    """The claim recorded under ``cmd.claim_id`` if it came from this same request; None if none is recorded;
    ``ClaimConflict`` if another request holds the id."""
    c = claims.c
    row = (await conn.execute(sa.select(c.fingerprint).where(c.claim_id == cmd.claim_id))).first()
    if row is None:
        return None
    existing = await get_claim(conn, cmd.claim_id)
    if row.fingerprint == cmd.fingerprint and existing is not None:
        return existing
    raise ClaimConflict(cmd.claim_id)


async def record_claim(
    uow: UnitOfWork, book: PolicyBook, cmd: RecordClaim, recorded_by: str
) -> tuple[SettledClaim, bool]:
    """Record a claim and publish claims.settled. Returns (claim, False) when this request was already recorded.

    The settlement system retries: the same request again is acknowledged without a second event; the same
    claim id from a different request is a conflict (a correction uses a new id + corrects_claim_id). A resend
    that arrives while the first is still in its transaction finds the id taken when it inserts (ON CONFLICT DO
    NOTHING waits for the first to commit) and answers from the stored row, as a later resend does.
    """
    # One claim of a person at a time: the year-to-date it settles against is read here and written below.
    await lock_in_transaction(uow.conn, f"year-to-date:{cmd.person_key}")
    if (existing := await _as_recorded(uow.conn, cmd)) is not None:
        return existing, False
    claim, result, pack_id = await quote(uow.conn, book, cmd)
    year = cmd.settlement_date.year
    if result is not None:
        ytd, explanation = result.year_to_date, steps_as_json(result.steps)
    else:
        ytd = _as_settled_ytd(await load_year_to_date(uow.conn, cmd.person_key, year), claim, cmd)
        explanation = None
    inserted = await uow.conn.execute(
        insert_ignoring_duplicates(uow.conn, claims)
        .values(
            **asdict(claim),
            visit=cmd.cost.visit.value if cmd.cost else None,
            in_catalog=cmd.cost.in_catalog if cmd.cost else None,
            out_of_catalog=cmd.cost.out_of_catalog if cmd.cost else None,
            policy_pack_id=pack_id,
            explanation=explanation,
            fingerprint=cmd.fingerprint,
            recorded_by=recorded_by,
        )
        .returning(claims.c.claim_id)
    )
    if inserted.first() is None:  # recorded meanwhile by a request in another transaction
        if (existing := await _as_recorded(uow.conn, cmd)) is not None:
            return existing, False
        raise ClaimConflict(cmd.claim_id)  # the row it conflicted with was deleted meanwhile
    await _save_year_to_date(uow.conn, cmd.person_key, year, ytd)
    in_policy_self_pay = self_expense = None
    if result is not None and cmd.cost is not None:
        in_policy_self_pay = (
            cmd.cost.in_catalog - result.basic - result.critical_illness - result.medical_assistance - result.tilted
        )
        self_expense = cmd.cost.out_of_catalog - result.hospital_borne - result.out_of_catalog_assistance
    event = ClaimSettledV1(**asdict(claim), in_policy_self_pay=in_policy_self_pay, self_expense=self_expense)
    uow.publish(event, subject=claim.person_key)
    await uow.commit()
    return claim, True


async def on_roster_changed(uow: UnitOfWork, event: RosterChangedV1, _envelope: Envelope) -> None:
    await apply_roster_change(uow.conn, category_periods, event)
    await apply_benefit_change(uow.conn, benefit_periods, event)
