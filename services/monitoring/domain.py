"""Monitoring rules (监测预警). Pure: no framework, no I/O; thresholds come from the policy packs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from libs.common.categories import Category
from libs.common.money import format_yuan
from libs.common.policy import BurdenDefinition, BurdenScope, MissingFigure, PolicyPack, WarningRule

ZERO = Decimal("0.00")


class BurdenParts(NamedTuple):
    """What one claim (or a year of them) adds up to, in the parts every burden definition is built from.
    (A named tuple: the claim path makes several per claim, and a tuple is built several times faster than a
    frozen dataclass.)"""

    total_cost: Decimal = ZERO  # 医疗总费用
    burden: Decimal = ZERO  # 个人负担 after all three tiers: in-policy self-pay + out-of-policy self-expense
    self_pay: Decimal = ZERO  # 政策范围内个人自付 after all three tiers
    assistance: Decimal = ZERO  # 医疗救助支付

    def plus(self, other: BurdenParts) -> BurdenParts:
        return BurdenParts(
            self.total_cost + other.total_cost,
            self.burden + other.burden,
            self.self_pay + other.self_pay,
            self.assistance + other.assistance,
        )

    def is_zero(self) -> bool:
        return not (self.total_cost or self.burden or self.self_pay or self.assistance)

    def negated(self) -> BurdenParts:
        return BurdenParts(-self.total_cost, -self.burden, -self.self_pay, -self.assistance)

    def measured(self, definition: BurdenDefinition, scope: BurdenScope) -> Decimal:
        """The burden a rule compares: after all tiers, or with what assistance paid added back (it was not
        subtracted); self-pay and self-expense, or in-policy self-pay only."""
        left = self.burden if scope is BurdenScope.SELF_PAY_AND_EXPENSE else self.self_pay
        return left + self.assistance if definition is BurdenDefinition.AFTER_BASIC_AND_CRITICAL else left


# The parts' names are also the amount columns of claim_facts and year_burdens.
PARTS: tuple[str, ...] = BurdenParts._fields


def claim_parts(
    total_cost: Decimal,
    personal_burden: Decimal,
    in_policy_self_pay: Decimal | None,
    self_expense: Decimal | None,
    assistance: Decimal,
) -> BurdenParts:
    """A claim's parts. A settlement system that does not split the burden sends no in-policy self-pay; then
    the burden less any self-expense it did send stands for it (reading: the line is reached early, not late)."""
    self_pay = in_policy_self_pay if in_policy_self_pay is not None else personal_burden - (self_expense or ZERO)
    return BurdenParts(total_cost, personal_burden, max(self_pay, ZERO), assistance)


@dataclass(frozen=True)
class Warning:
    pack_id: str
    rule: WarningRule
    threshold: Decimal  # the rule's line resolved for the burden year
    burden: Decimal  # the year's burden as the rule measures it
    category: Category | None  # the watched category the person held, None for "other residents"
    carried_forward: bool = False  # the pack had ended with no successor: its line was carried forward


class Waiting(NamedTuple):
    """A rule left unevaluated because a figure has no value for the year: the claims wait for an operator."""

    pack_id: str
    figure: str
    year: int
    message: str

    @classmethod
    def of(cls, exc: MissingFigure) -> Waiting:
        return cls(exc.pack_id, exc.figure, exc.year, str(exc))


@dataclass(frozen=True)
class Evaluation:
    warnings: tuple[Warning, ...] = ()
    missing: tuple[Waiting, ...] = field(default=())


@dataclass(frozen=True)
class LowestLine:
    line: Decimal | None
    missing: tuple[Waiting, ...] = ()  # as in Evaluation


def burden_year(settlement_date: date) -> int:
    """The burden year is the calendar year of settlement (DOMAIN.md flow 3, a reading)."""
    return settlement_date.year


def evaluate(
    packs: Sequence[PolicyPack], categories: frozenset[Category], year_parts: BurdenParts, year: int
) -> Evaluation:
    """Every warning the packs' rules raise for a person holding ``categories`` at this year's totals.

    Each pack's rules are a set of their own (a person falls under its category rules, else under its rule for
    everyone else); within a set, the lowest line comes first, so when two rules of one level hold, the most
    favourable one (DOMAIN.md, reading) names the warning.
    """
    warnings: list[Warning] = []
    missing: list[Waiting] = []
    for pack in packs:
        if pack.monitoring is None:
            raise ValueError(f"pack {pack.id} has no monitoring rules")
        found: list[Warning] = []
        for rule in pack.monitoring.rules_for(categories):
            try:
                threshold = pack.amount(rule.threshold, year)
            except MissingFigure as exc:
                missing.append(Waiting.of(exc))
                continue
            burden = year_parts.measured(*pack.monitoring.burden_of(rule))
            if rule.comparison.holds(burden, threshold):
                held = [c for c in rule.categories if c in categories]
                found.append(Warning(pack.id, rule, threshold, burden, held[0] if held else None))
        warnings.extend(sorted(found, key=lambda w: w.threshold))
    return Evaluation(tuple(warnings), tuple(missing))


def lowest_line(packs: Sequence[PolicyPack], categories: frozenset[Category], year: int) -> LowestLine:
    """The lowest line of any rule ``evaluate`` would apply to a person holding ``categories`` (None: no rule can be
    evaluated). Every burden a rule measures is at most max(burden, self-pay) + assistance, so a year below the line
    on that measure raises nothing: the batch path reads back only the claims that reach it."""
    lines: list[Decimal] = []
    missing: list[Waiting] = []
    for pack in packs:
        if pack.monitoring is None:
            raise ValueError(f"pack {pack.id} has no monitoring rules")
        for rule in pack.monitoring.rules_for(categories):
            try:
                lines.append(pack.amount(rule.threshold, year))
            except MissingFigure as exc:
                missing.append(Waiting.of(exc))
    return LowestLine(min(lines, default=None), tuple(missing))


def risk_description(settlement_date: date, diagnosis: str, total_cost: Decimal, burden: Decimal) -> str:
    """The 风险点描述 of 附件1, word for word: *年*月*日，因**病，医疗总费用**元，医疗保障报销后个人负担**元，…"""
    d = settlement_date
    return (
        f"{d.year}年{d.month}月{d.day}日，因{diagnosis}，医疗总费用{format_yuan(total_cost)}元，"
        f"医疗保障报销后个人负担{format_yuan(burden)}元，存在因病返贫致贫风险。"
    )
