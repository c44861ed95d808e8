"""REST route: the breached roster and gap pushes of flow 1 (a list that reached 医保 late, a push sent late)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow
from libs.common.deadline_rules import working_days_overdue
from libs.common.deps import Runtime
from libs.common.regions import region_prefix
from services.enrollment.deps import Rules
from services.enrollment.push_deadlines import GAP_PUSH, ROSTER_PUSH
from services.enrollment.tables import push_deadlines

router = APIRouter(tags=["deadlines"])
Reader = Annotated[
    Principal, Depends(allow(Agency.MEDICAL_SECURITY, Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION))
]
_LABELS = {ROSTER_PUSH: "名单报送医保超时 (附件3)", GAP_PUSH: "未参保人员推送税务超时"}


class PushBreachOut(BaseModel):
    kind: Literal["roster_push", "gap_push"]
    kind_label: str
    subject_id: str = Field(description="the roster change id or the gap id")
    region_code: str
    opened_on: date = Field(description="the trigger: 动态调整时间 (roster push) or the list date (gap push)")
    due_on: date
    due_provisional: bool
    reached_on: date = Field(description="the day the list reached 医保 / the push went out")
    working_days_late: int


@router.get("/push-deadlines/breaches", response_model=list[PushBreachOut])
async def push_breaches(
    principal: Reader,
    runtime: Runtime,
    rules: Rules,
    kind: Literal["roster_push", "gap_push"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PushBreachOut]:
    """Breached 5-working-day pushes in the caller's region, latest first."""
    p = push_deadlines.c
    query = (
        sa.select(push_deadlines)
        .where(p.region_code.startswith(region_prefix(principal.region_code)), p.breach_noted_on.is_not(None))
        .order_by(p.due_on.desc(), p.subject_id)
        .limit(limit)
    )
    if kind is not None:
        query = query.where(p.kind == kind)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [
        PushBreachOut.model_validate(
            {
                **r._mapping,
                "kind_label": _LABELS[r.kind],
                "reached_on": r.closed_on,
                "working_days_late": working_days_overdue(rules.calendar, r.due_on, r.closed_on),
            }
        )
        for r in rows
    ]
