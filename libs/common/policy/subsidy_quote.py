"""Subsidized enrollment (资助参保): how much of a person's contribution is paid, and from which fund."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from libs.common.categories import Category
from libs.common.money import to_yuan
from libs.common.policy import Amount, PolicyPack
from libs.common.policy.explanation import EngineError, Step
from libs.common.policy.subsidy import Funding, SubsidyRule

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class SubsidyQuote:
    contribution: Decimal  # the person's contribution for the year and tier (个人缴费标准)
    subsidy: Decimal
    own_share: Decimal  # what the person still pays
    rule_id: str | None
    funding: tuple[Funding, ...]  # payer first, then who covers a shortfall
    steps: tuple[Step, ...]


def _standard(pack: PolicyPack, tier: int, year: int) -> Decimal:
    assert pack.subsidy is not None
    name = pack.subsidy.contribution_figures.get(tier)
    if name is None:
        raise EngineError("tier", "known_tier", f"pack {pack.id} has no contribution standard for tier {tier}")
    return pack.amount(Amount(figure=name), year)


def _amount(pack: PolicyPack, rule: SubsidyRule, tier: int, year: int) -> tuple[Decimal, str]:
    if rule.fixed is not None:
        amount, how = rule.fixed, f"定额 {rule.fixed}"
    else:
        assert rule.share is not None
        base_tier = rule.of_tier or tier
        standard = _standard(pack, base_tier, year)
        amount, how = to_yuan(standard * rule.share), f"{base_tier}档缴费标准 {standard} × {rule.share}"
    if rule.minimum is not None and amount < rule.minimum:
        amount, how = rule.minimum, f"{how}, 低于 {rule.minimum} 按 {rule.minimum}"
    return amount, how


def quote(pack: PolicyPack, held: frozenset[Category], year: int, tier: int) -> SubsidyQuote:
    """The most favourable subsidy rule among the person's categories (never more than the contribution)."""
    if pack.subsidy is None:
        raise EngineError("region_code", "subsidy_rules", f"pack {pack.id} has no enrollment-subsidy rules")
    contribution = _standard(pack, tier, year)
    best: tuple[Decimal, SubsidyRule, str] | None = None
    for rule in pack.subsidy.rules:
        applies = (
            rule.in_force(year)
            and tier in rule.enrolled_tiers
            and bool(held & set(rule.categories))
            and not held & set(rule.excludes)
        )
        if not applies:
            continue
        amount, how = _amount(pack, rule, tier, year)
        amount = min(amount, contribution)  # a subsidy never exceeds what the person owes
        if best is None or amount > best[0]:
            best = (amount, rule, how)
    if best is None:
        note = "无适用的资助参保规则 / no subsidy rule applies to these categories"
        step = Step("subsidy", pack.id, "none", contribution, None, ZERO, note)
        return SubsidyQuote(contribution, ZERO, contribution, None, (), (step,))
    amount, rule, how = best
    step = Step("subsidy", pack.id, rule.id, contribution, rule.share, amount, f"资助参保: {how}")
    return SubsidyQuote(contribution, amount, contribution - amount, rule.id, rule.funding, (step,))
