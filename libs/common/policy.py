"""Policy packs: every ratio, threshold and deadline length, per region and period, as reviewed YAML data.

This module holds the schema and the lookup; the packs live in ``policies/``. Rules are looked up by the
date of service and the county, so a 2023 claim uses the pack in force in 2023 for that county.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from libs.common import regions
from libs.common.agencies import Agency
from libs.common.categories import Category, CategoryField
from libs.common.messaging.contracts.monitoring import RiskLevel
from libs.common.money import NonNegativeYuan


class Comparison(StrEnum):
    GREATER_THAN = "greater_than"  # 超过: strictly greater
    AT_LEAST = "at_least"  # 达到 / 及以上 / 以上: at or above (Civil Code art. 1259)

    def holds(self, value: Decimal, threshold: Decimal) -> bool:
        return value > threshold if self is Comparison.GREATER_THAN else value >= threshold


class BurdenDefinition(StrEnum):
    # 医疗保障报销后个人负担: basic, critical illness and assistance subtracted; self-expense included.
    AFTER_ALL_TIERS = "after_all_tiers"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WarningRule(_Frozen):
    id: str
    level: RiskLevel
    # The categories this rule watches; "others: true" makes it the rule for everyone not matched earlier.
    categories: tuple[CategoryField, ...] = ()
    others: bool = False
    comparison: Comparison
    threshold: NonNegativeYuan
    source: str = Field(description="where in the seed this rule is written")

    @model_validator(mode="after")
    def _targets(self) -> WarningRule:
        if bool(self.categories) == self.others:
            raise ValueError(f"rule {self.id}: give either categories or others: true")
        return self

    def applies_to(self, categories: frozenset[Category]) -> bool:
        return bool(categories & set(self.categories)) if not self.others else True


class Monitoring(_Frozen):
    burden: BurdenDefinition
    rules: tuple[WarningRule, ...] = Field(min_length=1)

    def rule_for(self, categories: frozenset[Category]) -> WarningRule:
        """The first category rule matching any held category, else the rule for everyone else."""
        for rule in self.rules:
            if not rule.others and rule.applies_to(categories):
                return rule
        for rule in self.rules:
            if rule.others:
                return rule
        raise LookupError("pack has no rule for persons without a watched category")


class Referral(_Frozen):
    agencies: tuple[Agency, ...] = Field(min_length=1)
    response_working_days: int = Field(ge=1)
    source: str


class PolicyPack(_Frozen):
    id: str
    name: str
    region_code: str = Field(pattern=r"^\d{6}$", description="the region it governs; covers codes it prefixes")
    source: str
    effective_from: date
    effective_to: date | None = None
    monitoring: Monitoring
    referral: Referral

    def covers(self, county_code: str, on: date) -> bool:
        in_period = self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)
        return in_period and regions.covers(self.region_code, county_code)


class NoPolicy(LookupError):
    """No pack governs this county on this date: a clear error, never a silent default."""


class PolicyError(ValueError):
    pass


class PolicyBook:
    """All loaded packs; the most specific region wins when several cover a county on a date."""

    def __init__(self, packs: list[PolicyPack]) -> None:
        ids = [p.id for p in packs]
        if len(ids) != len(set(ids)):
            raise PolicyError(f"duplicate pack ids: {sorted(i for i in ids if ids.count(i) > 1)}")
        self.packs = sorted(packs, key=lambda p: p.id)

    def for_county(self, county_code: str, on: date) -> PolicyPack:
        matching = [p for p in self.packs if p.covers(county_code, on)]
        if not matching:
            raise NoPolicy(f"no policy pack governs region {county_code} on {on.isoformat()}")
        return max(matching, key=lambda p: (regions.specificity(p.region_code), p.effective_from))

    def get(self, pack_id: str) -> PolicyPack:
        for p in self.packs:
            if p.id == pack_id:
                return p
        raise NoPolicy(f"no policy pack {pack_id!r}")


def load_pack(path: Path) -> PolicyPack:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return PolicyPack.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise PolicyError(f"{path.name}: {exc}") from exc


def load_book(directory: Path) -> PolicyBook:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise PolicyError(f"no policy packs in {directory}")
    return PolicyBook([load_pack(f) for f in files])
