"""REST routes for the agencies' answers: acknowledge, resolve (a second answer is a correction), withdraw, and the
insert-only history of who answered what, when."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from pydantic import BaseModel, BeforeValidator, Field

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow
from libs.common.categories import Category, CategoryField
from libs.common.deps import Runtime
from libs.common.messaging.contracts.referral import OUTCOME_LABELS, Outcome
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.problems import Problem
from libs.common.rules import RuleViolation
from services.referral import answers
from services.referral.api import Caller, ReferralOut, check_may_read, not_found, referral_out
from services.referral.deps import Calendar, Today
from services.referral.lifecycle import Action, Answer, Refused
from services.referral.tables import referral_responses, referrals

router = APIRouter(tags=["referral answers"])
# The addressed agencies answer; medical security, which made the referral, may only withdraw it.
Answerer = Annotated[Principal, Depends(allow(Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION, Agency.HEALTH))]
Referrer = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]

_OUTCOME_BY_TEXT = {**{o.value: o for o in Outcome}, **{label: o for o, label in OUTCOME_LABELS.items()}}


def _parse_outcome(value: object) -> Outcome:
    if isinstance(value, str) and value.strip() in _OUTCOME_BY_TEXT:
        return _OUTCOME_BY_TEXT[value.strip()]
    known = "、".join(o.label for o in Outcome if o is not Outcome.WITHDRAWN)
    raise RuleViolation("known_outcome", f"unknown outcome {value!r} / 未知反馈结果; one of: {known}")


class ResolutionIn(BaseModel):
    outcome: Annotated[Outcome, BeforeValidator(_parse_outcome)] = Field(
        description="反馈结果: code or Chinese label, e.g. 纳入低保 / included_dibao"
    )
    reason: str | None = Field(default=None, max_length=2000, description="原因; required for 不符合条件")
    category: CategoryField | None = Field(
        default=None, description="人员类别; required for 纳入防返贫监测 (which monitoring category)"
    )
    decided_on: date | None = Field(
        default=None,
        description="决定日期: the day the agency decided (not after today, not before the referral was opened); "
        "the feedback deadline counts from it. Default: today",
    )


class WithdrawalIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000, description="撤回原因")


class ResponseOut(BaseModel):
    response_id: str
    action: Action
    action_label: str
    outcome: Outcome | None
    outcome_label: str | None
    category: Category | None
    category_label: str | None
    reason: str | None
    answered_by: str
    answered_by_agency: Agency
    answered_by_agency_label: str
    answered_on: date
    decided_on: date | None = Field(description="决定日期 the answer gave (resolutions and corrections)")
    answered_at: datetime


@contextmanager
def _as_problem() -> Iterator[None]:
    try:
        yield
    except Refused as exc:
        errors = [{"field": exc.field, "rule": exc.rule, "message": str(exc)}] if exc.field else None
        title = "Not allowed in this state / 当前状态不允许" if exc.status == 409 else "Answer not valid / 反馈有误"
        raise Problem(exc.status, exc.rule, title, str(exc), errors) from None


Act = Callable[[UnitOfWork, sa.Row[Any]], Awaitable[None]]


async def _answer(
    runtime: Runtime, referral_id: str, principal: Principal, calendar: Calendar, today: date, act: Act
) -> ReferralOut:
    """Lock the referral, check the caller may touch it, act in the same transaction, and show the result."""
    async with runtime.uow() as uow:
        row = await answers.load_for_update(uow, referral_id)
        if row is None:
            raise not_found(referral_id)
        check_may_read(principal, row)  # an agency answers exactly what it may read: its own, in its county
        with _as_problem():
            await act(uow, row)
        await uow.commit()
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(referrals).where(referrals.c.referral_id == referral_id))).one()
    return referral_out(row, calendar, today)


@router.post("/referrals/{referral_id}/acknowledgement", response_model=ReferralOut)
async def acknowledge(
    referral_id: str, principal: Answerer, runtime: Runtime, calendar: Calendar, today: Today
) -> ReferralOut:
    """Acknowledge receipt (签收) of the caller's agency's referral; the deadline keeps running."""
    return await _answer(
        runtime,
        referral_id,
        principal,
        calendar,
        today,
        lambda uow, row: answers.acknowledge(uow, row, principal, today),
    )


@router.post("/referrals/{referral_id}/resolution", response_model=ReferralOut)
async def resolve(
    referral_id: str, body: ResolutionIn, principal: Answerer, runtime: Runtime, calendar: Calendar, today: Today
) -> ReferralOut:
    """Answer with an outcome (反馈); answering a resolved referral again records a correction."""
    return await _answer(
        runtime,
        referral_id,
        principal,
        calendar,
        today,
        lambda uow, row: answers.resolve(
            uow, row, principal, Answer(body.outcome, body.reason, body.category, body.decided_on), today, calendar
        ),
    )


@router.post("/referrals/{referral_id}/withdrawal", response_model=ReferralOut)
async def withdraw(
    referral_id: str, body: WithdrawalIn, principal: Referrer, runtime: Runtime, calendar: Calendar, today: Today
) -> ReferralOut:
    """Withdraw (撤回) an unanswered referral of the caller's county; medical security only."""
    return await _answer(
        runtime,
        referral_id,
        principal,
        calendar,
        today,
        lambda uow, row: answers.withdraw(uow, row, principal, body.reason, today),
    )


@router.get("/referrals/{referral_id}/responses", response_model=list[ResponseOut])
async def responses(referral_id: str, principal: Caller, runtime: Runtime) -> list[ResponseOut]:
    """Every answer to the referral, oldest first: who (name, agency), what, when; corrections are new entries."""
    resp = referral_responses.c
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(referrals).where(referrals.c.referral_id == referral_id))).first()
        if row is None:
            raise not_found(referral_id)
        check_may_read(principal, row)
        rows = (
            await conn.execute(
                sa.select(referral_responses)
                .where(resp.referral_id == referral_id)
                .order_by(resp.answered_at, resp.response_id)
            )
        ).all()
    return [_response_out(r) for r in rows]


def _response_out(row: answers.Row) -> ResponseOut:
    outcome = Outcome(str(row.outcome)) if row.outcome else None
    category = Category(str(row.category)) if row.category else None
    return ResponseOut.model_validate(
        {
            **row._mapping,
            "action_label": Action(str(row.action)).label,
            "answered_by_agency_label": Agency(str(row.answered_by_agency)).label,
            "outcome_label": outcome.label if outcome else None,
            "category_label": category.label if category else None,
        }
    )
