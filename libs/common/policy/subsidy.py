"""Subsidized enrollment (资助参保) as pack data: how much of a person's contribution is paid, and from where."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs.common.categories import CategoryField
from libs.common.policy.values import Ratio, Status, Sum, inherit


class Funding(StrEnum):
    MEDICAL_ASSISTANCE_FUND = "medical_assistance_fund"  # 医疗救助基金
    VETERANS_FUND = "veterans_fund"  # 优抚对象医疗补助资金
    COUNTY_FINANCE = "county_finance"  # 县级财政
    RURAL_REVITALIZATION_FUNDS = "rural_revitalization_funds"  # 统筹衔接资金


class SubsidyRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    categories: tuple[CategoryField, ...] = Field(min_length=1)
    # Those who also hold one of these are not covered by this rule (Xinzhou's 易返贫致贫 definition).
    excludes: tuple[CategoryField, ...] = ()
    enrolled_tiers: tuple[int, ...] = Field(default=(1, 2), description="the tiers this rule applies to")
    share: Ratio | None = Field(default=None, description="share of a contribution standard")
    of_tier: int | None = Field(default=None, description="whose standard: 1, 2, or null = the enrolled tier")
    fixed: Sum | None = None
    minimum: Sum | None = None
    from_year: int | None = None
    to_year: int | None = None
    funding: tuple[Funding, ...] = Field(min_length=1, description="payer first, then who covers a shortfall")
    status: Status | None = Field(
        default=None, description="confirmed or unconfirmed: the status its plain-number values take"
    )
    source: str

    @model_validator(mode="before")
    @classmethod
    def _values_inherit(cls, data: Any) -> Any:
        return inherit(data, ("share", "fixed", "minimum"), optional=("share", "fixed", "minimum"))

    @model_validator(mode="after")
    def _one_way(self) -> SubsidyRule:
        if (self.share is None) == (self.fixed is None):
            raise ValueError(f"{self.id}: give either 'share' (of a contribution standard) or 'fixed'")
        if self.share is not None and self.share.value is not None and self.share.value == Decimal(0):
            raise ValueError(f"{self.id}: share must be in (0, 1]")
        return self

    def in_force(self, year: int) -> bool:
        return (self.from_year is None or year >= self.from_year) and (self.to_year is None or year <= self.to_year)


class Subsidy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Figures (by name) holding the individual contribution standard per year, for tier 1 and tier 2.
    contribution_figures: dict[int, str] = Field(description="tier → figure name")
    rules: tuple[SubsidyRule, ...] = Field(min_length=1)
