"""Warning rules (监测预警) as pack data: who is watched, against which line, compared how."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs.common.categories import Category, CategoryField
from libs.common.messaging.contracts.monitoring import RiskLevel
from libs.common.policy.figures import Amount


class Comparison(StrEnum):
    GREATER_THAN = "greater_than"  # 超过: strictly greater
    AT_LEAST = "at_least"  # 达到 / 及以上 / 以上: at or above (Civil Code art. 1259)

    def holds(self, value: Decimal, threshold: Decimal) -> bool:
        return value > threshold if self is Comparison.GREATER_THAN else value >= threshold


class BurdenDefinition(StrEnum):
    # 医疗保障报销后个人负担 / 自付+自费: after basic, critical illness and assistance; self-expense included.
    AFTER_ALL_TIERS = "after_all_tiers"
    # 经基本医保、大病保险报销后个人累计负担 (Weihai): assistance not subtracted.
    AFTER_BASIC_AND_CRITICAL = "after_basic_and_critical"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WarningRule(_Frozen):
    id: str
    level: RiskLevel
    # The categories this rule watches; "others: true" makes it the rule for everyone not matched earlier.
    categories: tuple[CategoryField, ...] = ()
    others: bool = False
    comparison: Comparison
    threshold: Amount
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
