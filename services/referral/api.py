"""REST routes of the referral service: each agency sees its own referrals, in its own region."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.deps import Runtime
from libs.common.idcard import mask_id_number
from libs.common.problems import Problem
from libs.common.regions import region_prefix
from services.referral.tables import referrals

router = APIRouter(tags=["referrals"])
Caller = Annotated[
    Principal,
    Depends(allow(Agency.MEDICAL_SECURITY, Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION, Agency.HEALTH)),
]


class ReferralOut(BaseModel):
    referral_id: str
    flag_id: str
    person_key: str
    id_number: str = Field(description="masked / 脱敏")
    name: str
    region_code: str
    agency: Agency
    risk_description: str
    opened_on: date
    due_on: date
    due_provisional: bool
    status: str


def _visible_to(principal: Principal) -> sa.ColumnElement[bool]:
    r = referrals.c
    in_region = r.region_code.startswith(region_prefix(principal.region_code))
    if principal.agency is Agency.MEDICAL_SECURITY:
        return in_region  # the referring agency follows up every referral it made
    return sa.and_(in_region, r.agency == principal.agency.value)


def _out(row: sa.Row[tuple[object, ...]]) -> ReferralOut:
    return ReferralOut.model_validate({**row._mapping, "id_number": mask_id_number(str(row.id_number))})


@router.get("/referrals", response_model=list[ReferralOut])
async def list_referrals(
    principal: Caller,
    runtime: Runtime,
    person_key: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ReferralOut]:
    """Referrals the caller may see, soonest due first."""
    r = referrals.c
    query = sa.select(referrals).where(_visible_to(principal)).order_by(r.due_on, r.referral_id).limit(limit)
    if person_key is not None:
        query = query.where(r.person_key == person_key)
    if status is not None:
        query = query.where(r.status == status)
    async with runtime.engine.connect() as conn:
        return [_out(row) for row in (await conn.execute(query)).all()]


@router.get("/referrals/{referral_id}", response_model=ReferralOut)
async def get_referral(referral_id: str, principal: Caller, runtime: Runtime) -> ReferralOut:
    """One referral, if it is the caller's agency's (or the caller is medical security) and in its region."""
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(referrals).where(referrals.c.referral_id == referral_id))).first()
    if row is None:
        raise Problem(404, "not-found", "No such referral / 转介不存在", f"referral {referral_id} does not exist")
    require_region(principal, row.region_code)
    if principal.agency is not Agency.MEDICAL_SECURITY and row.agency != principal.agency.value:
        raise Problem(
            403,
            "forbidden-agency",
            "Not your agency's referral / 非本部门转介",
            f"referral {referral_id} is addressed to {row.agency}",
        )
    return _out(row)
