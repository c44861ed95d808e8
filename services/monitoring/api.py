"""Read-only REST views of the monitoring service (ID numbers masked)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow
from libs.common.deps import Runtime
from libs.common.idcard import mask_id_number
from libs.common.money import NonNegativeYuan
from libs.common.regions import region_prefix
from services.monitoring.tables import risk_flags

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
    rule_id: str
    threshold: NonNegativeYuan
    cumulative_total_cost: NonNegativeYuan
    cumulative_burden: NonNegativeYuan
    risk_description: str
    flagged_at: datetime


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
