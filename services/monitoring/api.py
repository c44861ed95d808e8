"""Read-only REST views of the monitoring service (ID numbers masked)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.clock import china_today
from libs.common.deps import Runtime
from libs.common.idcard import mask_id_number
from libs.common.money import NonNegativeYuan, Yuan
from libs.common.problems import Problem
from libs.common.regions import region_prefix
from services.monitoring.handlers import categories_on
from services.monitoring.tables import persons, risk_flags, year_burdens

router = APIRouter(tags=["monitoring"])
Reader = Annotated[
    Principal,
    Depends(allow(Agency.MEDICAL_SECURITY, Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION, Agency.HEALTH)),
]


class FlagOut(BaseModel):
    flag_id: str
    person_key: str
    id_number: str
    name: str
    region_code: str
    year: int
    level: str
    category: str | None
    policy_pack_id: str
    rule_id: str
    threshold: NonNegativeYuan
    cumulative_total_cost: NonNegativeYuan
    cumulative_burden: NonNegativeYuan
    risk_description: str
    claim_id: str
    flagged_at: datetime
    raised_late: bool = Field(description="raised after its claims, when an operator entered a figure the line needed")
    policy_carried_forward: bool = Field(description="the pack had ended with no successor; its line was carried")


@router.get("/flags", response_model=list[FlagOut])
async def list_flags(
    principal: Reader, runtime: Runtime, year: int | None = None, limit: Annotated[int, Query(le=1000)] = 100
) -> list[FlagOut]:
    """Warnings raised in the caller's region, newest first (ID numbers masked)."""
    f = risk_flags.c
    query = (
        sa.select(risk_flags)
        .where(f.region_code.startswith(region_prefix(principal.region_code)))
        .order_by(f.flagged_at.desc())
        .limit(limit)
    )
    if year is not None:
        query = query.where(f.year == year)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [FlagOut.model_validate({**r._mapping, "id_number": mask_id_number(r.id_number)}) for r in rows]


class PersonYearOut(BaseModel):
    person_key: str
    year: int
    region_code: str | None
    categories_today: list[str]
    total_cost: Yuan
    burden: Yuan


@router.get("/persons/{person_key}/years/{year}", response_model=PersonYearOut)
async def person_year(person_key: str, year: int, principal: Reader, runtime: Runtime) -> PersonYearOut:
    """One person's categories held today and cumulative cost and burden for a year."""
    async with runtime.engine.connect() as conn:
        region = await conn.scalar(sa.select(persons.c.region_code).where(persons.c.person_key == person_key))
        y = year_burdens.c
        row = (await conn.execute(sa.select(year_burdens).where(y.person_key == person_key, y.year == year))).first()
        region = region or (row.region_code if row else None)
        if region is None:
            raise Problem(404, "not-found", "Person unknown / 无此人员", f"no roster entry or claim for {person_key}")
        require_region(principal, region)
        held = await categories_on(conn, person_key, china_today())
    return PersonYearOut(
        person_key=person_key,
        year=year,
        region_code=region,
        categories_today=sorted(c.value for c in held),
        total_cost=row.total_cost if row else 0,
        burden=row.burden if row else 0,
    )
