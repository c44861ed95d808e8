"""Warning rules (监测预警) as pack data: who is watched, against which line, measured how, compared how."""

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
    """Which payers are subtracted before the burden is measured."""

    # 医疗保障报销后个人负担: after basic, critical illness and assistance.
    AFTER_ALL_TIERS = "after_all_tiers"
    # 经基本医保、大病保险报销后个人累计负担 (Weihai): assistance not subtracted.
    AFTER_BASIC_AND_CRITICAL = "after_basic_and_critical"


class BurdenScope(StrEnum):
    """Which of what is left counts: in-policy self-pay only, or self-pay and out-of-policy self-expense."""

    SELF_PAY_AND_EXPENSE = "self_pay_and_expense"  # 自付+自费 (Pengshui), 个人负担 (Shanxi, reading)
    IN_POLICY_SELF_PAY = "in_policy_self_pay"  # 政策范围内个人自付 (Xinzhou's 依申请救助 line)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WarningRule(_Frozen):
    id: str
    level: RiskLevel
    # The categories this rule watches; "others: true" makes it the rule for everyone not matched by a category rule.
    categories: tuple[CategoryField, ...] = ()
    # Holding any of these takes a person out of this rule (Xinzhou: 易返贫致贫 不含已纳入低保、优抚、重度残疾、特困).
    excludes: tuple[CategoryField, ...] = ()
    others: bool = False
    comparison: Comparison
    threshold: Amount
    # Unset: the section's burden definition and scope.
    burden: BurdenDefinition | None = None
    scope: BurdenScope | None = None
    source: str = Field(description="where in the seed this rule is written")

    @model_validator(mode="after")
    def _targets(self) -> WarningRule:
        if bool(self.categories) == self.others:
            raise ValueError(f"rule {self.id}: give either categories or others: true")
        return self

    def applies_to(self, categories: frozenset[Category]) -> bool:
        if categories & set(self.excludes):
            return False
        return bool(categories & set(self.categories)) if not self.others else True


class Monitoring(_Frozen):
    burden: BurdenDefinition
    scope: BurdenScope = BurdenScope.SELF_PAY_AND_EXPENSE
    rules: tuple[WarningRule, ...] = Field(min_length=1)
    # True: these rules apply on top of the wider region's (a city adding a line to the province's); false: they
    # replace them for the region (the most specific pack wins, as for every other section).
    adds_to_wider: bool = False

    def rule_for(self, categories: frozenset[Category]) -> WarningRule:
        """The first category rule matching any held category, else the rule for everyone else."""
        for rule in self.rules:
            if not rule.others and rule.applies_to(categories):
                return rule
        for rule in self.rules:
            if rule.others:
                return rule
        raise LookupError("pack has no rule for persons without a watched category")

    def rules_for(self, categories: frozenset[Category]) -> tuple[WarningRule, ...]:
        """Every category rule the person falls under; if none, the rule for everyone else; may be empty (a pack
        that watches only some categories, like Yuecheng's 一件事 line)."""
        matched = tuple(r for r in self.rules if not r.others and r.applies_to(categories))
        return matched or tuple(r for r in self.rules if r.others and r.applies_to(categories))

    def burden_of(self, rule: WarningRule) -> tuple[BurdenDefinition, BurdenScope]:
        return rule.burden or self.burden, rule.scope or self.scope
