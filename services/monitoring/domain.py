"""Monitoring rules (监测预警). Pure: no framework, no I/O; thresholds come from the policy pack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from libs.common.categories import Category
from libs.common.money import format_yuan
from libs.common.policy import PolicyPack, WarningRule


@dataclass(frozen=True)
class ClaimAmounts:
    total_cost: Decimal
    burden: Decimal

    def minus(self, other: ClaimAmounts) -> ClaimAmounts:
        return ClaimAmounts(self.total_cost - other.total_cost, self.burden - other.burden)


@dataclass(frozen=True)
class Warning:
    rule: WarningRule
    threshold: Decimal  # the rule's line resolved for the burden year
    category: Category | None  # the watched category the person held, None for "other residents"


def burden_year(settlement_date: date) -> int:
    """The burden year is the calendar year of settlement (DOMAIN.md flow 3, a reading)."""
    return settlement_date.year


def evaluate(pack: PolicyPack, categories: frozenset[Category], burden: Decimal, year: int) -> Warning | None:
    """The warning the pack's rule for this person raises at this yearly burden, if any."""
    if pack.monitoring is None:
        raise ValueError(f"pack {pack.id} has no monitoring rules")
    rule = pack.monitoring.rule_for(categories)
    threshold = pack.amount(rule.threshold, year)
    if not rule.comparison.holds(burden, threshold):
        return None
    held = [c for c in rule.categories if c in categories]
    return Warning(rule, threshold, held[0] if held else None)


def risk_description(settlement_date: date, diagnosis: str, total_cost: Decimal, burden: Decimal) -> str:
    """The 风险点描述 of 附件1, word for word: *年*月*日，因**病，医疗总费用**元，医疗保障报销后个人负担**元，…"""
    d = settlement_date
    return (
        f"{d.year}年{d.month}月{d.day}日，因{diagnosis}，医疗总费用{format_yuan(total_cost)}元，"
        f"医疗保障报销后个人负担{format_yuan(burden)}元，存在因病返贫致贫风险。"
    )
