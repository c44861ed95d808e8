"""REST route for a vulnerable person's enrollment subsidy (资助参保), including Shanxi's mid-year rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.clock import china_today
from libs.common.deps import Runtime
from libs.common.money import NonNegativeYuan
from libs.common.policy import MissingFigure, NoPolicy
from libs.common.policy.explanation import EngineError, steps_as_json, unconfirmed_values
from libs.common.policy.mid_year import quote_mid_year
from libs.common.policy.subsidy_quote import quote
from libs.common.policy.values import PendingValue
from libs.common.problems import Problem
from libs.common.read_models.categories import categories_on
from services.enrollment.deps import Rules
from services.enrollment.domain import VULNERABLE
from services.enrollment.tables import benefit_periods, category_periods, enrollments, roster_changes

router = APIRouter(tags=["enrollment"])
Reader = Annotated[
    Principal,
    Depends(allow(Agency.MEDICAL_SECURITY, Agency.FINANCE, Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION)),
]


class SubsidyOut(BaseModel):
    person_key: str
    year: int
    tier: int
    categories: list[str]
    policy_pack_id: str
    contribution: NonNegativeYuan
    subsidy: NonNegativeYuan
    own_share: NonNegativeYuan
    refund: NonNegativeYuan
    funding: list[str]
    fiscal_share_by_county: bool
    explanation: list[dict[str, Any]]
    unconfirmed_values: list[dict[str, str]] = Field(
        description="every pack value or figure it used that is not confirmed (pack_id, path, status, source, value)"
    )


@router.get("/persons/{person_key}/subsidy", response_model=SubsidyOut)
async def person_subsidy(
    person_key: str,
    principal: Reader,
    runtime: Runtime,
    rules: Rules,
    year: int,
    tier: Annotated[int, Query(ge=1, le=2)] = 1,
    on: date | None = None,
) -> SubsidyOut:
    """The person's subsidy and funding source for a year and tier, from the categories held on ``on``."""
    on = on or china_today()
    r, p, e = roster_changes.c, category_periods.c, enrollments.c
    async with runtime.engine.connect() as conn:
        region = await conn.scalar(sa.select(r.region_code).where(r.person_key == person_key).limit(1))
        if region is None:
            raise Problem(404, "not-found", "Not on any roster / 不在名单中", f"no roster entry for {person_key}")
        require_region(principal, region)
        # The subsidy is a benefit: the categories whose benefits the person holds, from the list date (seed 000 四
        # 自…提供名单之日起). Shanxi's mid-year rule asks about the adjustment itself (动态调整前已参加居民医保), so
        # ``started`` is the 动态调整时间 of the categories held now.
        held = await categories_on(conn, benefit_periods, person_key, on) & VULNERABLE
        started = await conn.scalar(
            sa.select(sa.func.min(p.valid_from)).where(p.person_key == person_key, p.valid_to.is_(None))
        )
        enrolled_on = await conn.scalar(
            sa.select(e.effective_date).where(
                e.person_key == person_key, e.year == year, e.status.in_(["enrolled", "paid"])
            )
        )
    try:
        pack = rules.book.for_county(region, date(year, 12, 31), "subsidy")
        base = quote(pack, frozenset(held), year, tier)
        result = base
        refund, by_county, funding, steps = Decimal("0.00"), False, base.funding, base.steps
        enrollment_rules = rules.book.for_county(region, on, "enrollment").enrollment
        mid_year = enrollment_rules.mid_year if enrollment_rules else None
        if mid_year is not None and started is not None and started.year == year:
            # Became vulnerable during the enrollment year: Shanxi's mid-year rule decides who pays.
            enrolled_before = enrolled_on is not None and enrolled_on < started
            mid = quote_mid_year(mid_year, base, pack.id, year, started, enrolled_before)
            result = base.__class__(
                base.contribution, mid.subsidy, mid.own_share, base.rule_id, mid.funding, base.steps
            )
            refund, by_county, funding, steps = (
                mid.refund,
                mid.fiscal_share_by_county,
                mid.funding,
                base.steps + mid.steps,
            )
    except (NoPolicy, MissingFigure, EngineError) as exc:
        errors = [exc.error()] if isinstance(exc, PendingValue) else None
        raise Problem(422, "cannot-quote", "Subsidy cannot be quoted / 无法测算资助金额", str(exc), errors) from exc
    explanation = steps_as_json(steps)
    return SubsidyOut(
        person_key=person_key,
        year=year,
        tier=tier,
        categories=sorted(c.value for c in held),
        policy_pack_id=pack.id,
        contribution=result.contribution,
        subsidy=result.subsidy,
        own_share=result.own_share,
        refund=refund,
        funding=[f.value for f in funding],
        fiscal_share_by_county=by_county,
        explanation=explanation,
        unconfirmed_values=unconfirmed_values(explanation),
    )
