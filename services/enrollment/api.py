"""REST routes of the enrollment service: roster changes from the identity-holding agencies."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from libs.common.auth import Principal, allow, require_region
from libs.common.categories import CategoryField
from libs.common.clock import china_today
from libs.common.deps import Runtime
from libs.common.idcard import IdNumber, mask_id_number
from libs.common.messaging.contracts.enrollment import ChangeType, RosterChangedV1
from libs.common.messaging.envelope import new_event_id
from libs.common.problems import Problem
from services.enrollment import handlers
from services.enrollment.deps import Rules
from services.enrollment.domain import AUTHORITY, NotAuthorised
from services.enrollment.intake import ChangeTypeField, OfficeDate

router = APIRouter(tags=["roster"])
RosterAgency = Annotated[Principal, Depends(allow(*AUTHORITY))]


class RosterChangeIn(BaseModel):
    """One row of 附件3 (困难人口动态调整名单)."""

    model_config = ConfigDict(extra="forbid")

    id_number: IdNumber = Field(description="身份证号码")
    name: str = Field(min_length=1, max_length=100, description="姓名")
    region_code: str = Field(pattern=r"^\d{6}$", description="county code")
    township: str | None = Field(default=None, max_length=100, description="乡（镇）")
    village: str | None = Field(default=None, max_length=100, description="行政村")
    change_type: ChangeTypeField = Field(description="动态调整类型: 新增/退出")
    category: CategoryField = Field(description="人员类别 (code or Chinese label)")
    effective_date: OfficeDate = Field(description="动态调整时间")
    list_date: date | None = Field(default=None, description="date the list is provided; default today")


class RosterChangeOut(BaseModel):
    person_key: str
    id_number: str = Field(description="masked / 脱敏")
    change_type: ChangeType
    category: str
    effective_date: date
    list_date: date
    recorded: bool


@router.post("/roster/changes", status_code=201, response_model=RosterChangeOut)
async def post_roster_change(
    body: RosterChangeIn, principal: RosterAgency, runtime: Runtime, rules: Rules, response: Response
) -> RosterChangeOut:
    """Record one roster change and publish roster.changed (201; 200 if already recorded)."""
    require_region(principal, body.region_code)
    change = RosterChangedV1(
        change_id=new_event_id(),
        person_key=runtime.person_key(body.id_number),
        agency=principal.agency,
        list_date=body.list_date or china_today(),
        **body.model_dump(exclude={"list_date"}),
    )
    try:
        async with runtime.uow() as uow:
            recorded = bool(await handlers.record_roster_changes(uow, [change], rules))
    except NotAuthorised as exc:
        raise Problem(403, "category-authority", "Category not under this agency / 无权调整该类别", str(exc)) from exc
    if not recorded:
        response.status_code = 200
    return RosterChangeOut(
        person_key=change.person_key,
        id_number=mask_id_number(change.id_number),
        change_type=change.change_type,
        category=change.category.value,
        effective_date=change.effective_date,
        list_date=change.list_date,
        recorded=recorded,
    )
