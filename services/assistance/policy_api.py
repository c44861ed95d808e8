"""REST routes over the policy packs: read them, and quote an enrollment subsidy (资助参保)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow
from libs.common.categories import CategoryField
from libs.common.deps import Book
from libs.common.money import NonNegativeYuan
from libs.common.policy import MissingFigure, NoPolicy
from libs.common.policy.explanation import EngineError, steps_as_json, unconfirmed_values
from libs.common.policy.subsidy_quote import quote
from libs.common.policy.values import PendingValue
from libs.common.problems import Problem

router = APIRouter(tags=["policies"])
AnyAgency = Annotated[Principal, Depends(allow(*Agency))]


class PackSummary(BaseModel):
    id: str
    name: str
    region_code: str
    effective_from: str
    effective_to: str | None
    sections: list[str]
    pending_figures: list[str] = Field(description="figures an operator still has to set")
    pending_values: list[str] = Field(description="ratios and limits an operator still has to set")
    unconfirmed_values: list[str] = Field(description="ratios and limits in use that are still to be confirmed")


@router.get("/policies", response_model=list[PackSummary])
async def list_policies(_principal: AnyAgency, book: Book) -> list[PackSummary]:
    """Every loaded policy pack, with its period, sections and figures still pending."""
    return [
        PackSummary(
            id=p.id,
            name=p.name,
            region_code=p.region_code,
            effective_from=p.effective_from.isoformat(),
            effective_to=p.effective_to.isoformat() if p.effective_to else None,
            sections=[
                s
                for s in ("monitoring", "referral", "settlement", "subsidy", "enrollment", "waiting_period")
                if getattr(p, s) is not None
            ],
            pending_figures=p.pending_figures(),
            pending_values=p.pending_values(),
            unconfirmed_values=p.unconfirmed_values(),
        )
        for p in book.packs
    ]


@router.get("/policies/{pack_id}")
async def get_policy(pack_id: str, _principal: AnyAgency, book: Book) -> dict[str, Any]:
    """One policy pack in full, every number with its source."""
    try:
        return book.get(pack_id).model_dump(mode="json")
    except NoPolicy as exc:
        raise Problem(404, "not-found", "No such policy pack / 政策包不存在", str(exc)) from exc


class SubsidyQuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_code: str = Field(pattern=r"^\d{6}$")
    year: int = Field(ge=2000, le=2100, description="enrollment year (参保年度)")
    tier: int = Field(ge=1, le=2, description="缴费档次")
    categories: list[CategoryField] = Field(description="categories the person holds")


class SubsidyQuoteOut(BaseModel):
    policy_pack_id: str
    contribution: NonNegativeYuan
    subsidy: NonNegativeYuan
    own_share: NonNegativeYuan
    rule_id: str | None
    funding: list[str]
    explanation: list[dict[str, Any]]
    unconfirmed_values: list[dict[str, str]] = Field(
        description="every pack value or figure it used that is not confirmed (pack_id, path, status, source, value)"
    )


@router.post("/subsidies/quote", response_model=SubsidyQuoteOut)
async def quote_subsidy(body: SubsidyQuoteIn, _principal: AnyAgency, book: Book) -> SubsidyQuoteOut:
    """The enrollment subsidy and its funding source for a person's categories, year and tier."""
    try:
        # The pack in force at the end of the enrollment year: a notice issued mid-year covers that year.
        pack = book.for_county(body.region_code, date(body.year, 12, 31), "subsidy")
        result = quote(pack, frozenset(body.categories), body.year, body.tier)
    except (NoPolicy, MissingFigure, EngineError) as exc:
        errors = [exc.error()] if isinstance(exc, PendingValue) else None
        raise Problem(422, "cannot-quote", "Subsidy cannot be quoted / 无法测算资助金额", str(exc), errors) from exc
    explanation = steps_as_json(result.steps)
    return SubsidyQuoteOut(
        policy_pack_id=pack.id,
        contribution=result.contribution,
        subsidy=result.subsidy,
        own_share=result.own_share,
        rule_id=result.rule_id,
        funding=[f.value for f in result.funding],
        explanation=explanation,
        unconfirmed_values=unconfirmed_values(explanation),
    )
