"""REST route: is a vulnerable person's waiting period (待遇等待期) waived in a given circumstance?"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.clock import china_today
from libs.common.deps import Runtime
from libs.common.policy import NoPolicy
from libs.common.policy.waiting import Circumstance, decide
from libs.common.problems import Problem
from libs.common.read_models.categories import categories_on
from services.enrollment.deps import Rules
from services.enrollment.tables import benefit_periods, roster_changes

router = APIRouter(tags=["enrollment"])
MedicalSecurity = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]


class WaitingOut(BaseModel):
    person_key: str
    circumstance: Circumstance
    categories: list[str]
    waived: bool
    in_principle: bool
    rule_id: str | None
    policy_pack_id: str | None
    note: str


@router.get("/persons/{person_key}/waiting-period", response_model=WaitingOut)
async def waiting_period(
    person_key: str, circumstance: Circumstance, principal: MedicalSecurity, runtime: Runtime, rules: Rules,
    on: date | None = None,
) -> WaitingOut:  # fmt: skip
    """Whether the region's pack waives the waiting period for this person in this circumstance, on ``on``."""
    on = on or china_today()
    async with runtime.engine.connect() as conn:
        r = roster_changes.c
        region = await conn.scalar(sa.select(r.region_code).where(r.person_key == person_key).limit(1))
        if region is None:
            raise Problem(404, "not-found", "Not on any roster / 不在名单中", f"no roster entry for {person_key}")
        require_region(principal, region)
        # The waiver is a benefit: it follows the list date (seed 000 四), not the 动态调整时间.
        held = await categories_on(conn, benefit_periods, person_key, on)
    try:
        pack = rules.book.for_county(region, on, "waiting_period")
    except NoPolicy:
        note = "本地区政策未规定等待期豁免 / the region's packs set no waiver"
        return WaitingOut(person_key=person_key, circumstance=circumstance, categories=sorted(held), waived=False,
                          in_principle=False, rule_id=None, policy_pack_id=None, note=note)  # fmt: skip
    assert pack.waiting_period is not None
    decision = decide(pack.waiting_period, held, circumstance)
    return WaitingOut(
        person_key=person_key,
        circumstance=circumstance,
        categories=sorted(held),
        waived=decision.waived,
        in_principle=decision.in_principle,
        rule_id=decision.rule_id,
        policy_pack_id=pack.id,
        note=decision.note,
    )
