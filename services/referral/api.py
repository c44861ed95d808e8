"""REST routes of the referral service: each agency sees its own referrals, in its own region."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.calendar import WorkingCalendar
from libs.common.deadline_rules import working_days_overdue
from libs.common.deps import Runtime
from libs.common.idcard import mask_id_number
from libs.common.messaging.contracts.referral import Outcome
from libs.common.problems import Problem
from libs.common.regions import region_prefix
from services.referral.deps import Calendar, Today
from services.referral.lifecycle import PENDING, Status
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
    agency_label: str = Field(description="部门")
    risk_description: str
    opened_on: date
    due_on: date | None = Field(description="办理时限: the decision is due by this day; null: the pack sets none")
    due_provisional: bool
    deadline_rule_id: str = Field(description="the pack section the deadlines come from, e.g. pengshui-2024:referral")
    feedback_working_days: int | None = Field(
        description="反馈时限: working days from the decision to the feedback reaching 医保; null: none set"
    )
    policy_carried_forward: bool = Field(
        description="the pack of the warning's claim date had ended with no successor and is carried forward"
    )
    status: Status
    status_label: str = Field(description="状态")
    acknowledged_on: date | None
    closed_on: date | None = Field(description="answered or withdrawn on (the deadline stops)")
    outcome: Outcome | None
    outcome_label: str | None = Field(description="反馈结果")
    working_days_overdue: int | None = Field(
        description="逾期工作日: working days past due_on, up to today while unanswered, up to closed_on once "
        "answered; null when there is no due_on"
    )
    working_days_waited: int = Field(
        description="已等待工作日: working days since opened_on, up to today while unanswered, up to closed_on once "
        "answered; what a referral with no decision deadline shows instead of overdue"
    )
    overdue_noted_on: date | None = Field(description="the day referral.overdue was published (once per breach)")
    decided_on: date | None = Field(description="决定日期 of the first answer")
    feedback_due_on: date | None = Field(description="the feedback was due by this day after the decision")
    feedback_working_days_late: int | None = Field(
        description="反馈逾期工作日: working days the first answer's feedback came after feedback_due_on (> 0: breach)"
    )
    feedback_late: bool | None = Field(description="true: the feedback deadline was breached; null: not judged")


def visible_to(principal: Principal) -> sa.ColumnElement[bool]:
    r = referrals.c
    in_region = r.region_code.startswith(region_prefix(principal.region_code))
    if principal.agency is Agency.MEDICAL_SECURITY:
        return in_region  # the referring agency follows up every referral it made
    return sa.and_(in_region, r.agency == principal.agency.value)


def check_may_read(principal: Principal, row: sa.Row[tuple[object, ...]]) -> None:
    """403 naming the rule: another county's referral, or another agency's (medical security sees its county's)."""
    require_region(principal, str(row.region_code))
    if principal.agency is not Agency.MEDICAL_SECURITY and row.agency != principal.agency.value:
        raise Problem(
            403,
            "forbidden-agency",
            "Not your agency's referral / 非本部门转介",
            f"referral {row.referral_id} is addressed to {row.agency}; each agency sees and answers only its own",
        )


def not_found(referral_id: str) -> Problem:
    return Problem(404, "not-found", "No such referral / 转介不存在", f"referral {referral_id} does not exist")


def referral_out(row: sa.Row[tuple[object, ...]], calendar: WorkingCalendar, today: date) -> ReferralOut:
    status = Status(str(row.status))
    outcome = Outcome(str(row.outcome)) if row.outcome else None
    until = today if status in PENDING else (row.closed_on or today)
    assert isinstance(until, date) and isinstance(row.opened_on, date)
    late = row.feedback_working_days_late
    return ReferralOut.model_validate(
        {
            **row._mapping,
            "id_number": mask_id_number(str(row.id_number)),
            "agency_label": Agency(str(row.agency)).label,
            "status_label": status.label,
            "outcome_label": outcome.label if outcome else None,
            "working_days_overdue": None if row.due_on is None else working_days_overdue(calendar, row.due_on, until),
            "working_days_waited": calendar.working_days_between(row.opened_on, until),
            "overdue_noted_on": row.breach_noted_on,
            "feedback_late": None if late is None else late > 0,
        }
    )


@router.get("/referrals", response_model=list[ReferralOut])
async def list_referrals(
    principal: Caller,
    runtime: Runtime,
    calendar: Calendar,
    today: Today,
    person_key: str | None = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ReferralOut]:
    """Referrals the caller may see: soonest due first, then those with no decision deadline, longest waiting first."""
    r = referrals.c
    query = (
        sa.select(referrals)
        .where(visible_to(principal))
        .order_by(r.due_on.is_(None), r.due_on, r.opened_on, r.referral_id)
        .limit(limit)
    )
    if person_key is not None:
        query = query.where(r.person_key == person_key)
    if status is not None:
        query = query.where(r.status == status.value)
    async with runtime.engine.connect() as conn:
        return [referral_out(row, calendar, today) for row in (await conn.execute(query)).all()]


@router.get("/referrals/{referral_id}", response_model=ReferralOut)
async def get_referral(
    referral_id: str, principal: Caller, runtime: Runtime, calendar: Calendar, today: Today
) -> ReferralOut:
    """One referral, if it is the caller's agency's (or the caller is medical security) and in its region."""
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(referrals).where(referrals.c.referral_id == referral_id))).first()
    if row is None:
        raise not_found(referral_id)
    check_may_read(principal, row)
    return referral_out(row, calendar, today)
