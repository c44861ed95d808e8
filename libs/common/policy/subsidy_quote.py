"""Subsidized enrollment (资助参保): how much of a person's contribution is paid, and from which fund."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from libs.common.categories import Category
from libs.common.money import to_yuan
from libs.common.policy import PolicyPack
from libs.common.policy.explanation import EngineError, Step
from libs.common.policy.reader import Reader
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


def _standard(read: Reader, tier: int) -> Decimal:
    assert read.pack.subsidy is not None
    name = read.pack.subsidy.contribution_figures.get(tier)
    if name is None:
        raise EngineError("tier", "known_tier", f"pack {read.pack.id} has no contribution standard for tier {tier}")
    return read.figure(name)


def _amount(read: Reader, rule: SubsidyRule, tier: int) -> tuple[Decimal, Decimal | None, str]:
    """(amount, share used or None, how) of one rule, reading its values through ``read``."""
    at, share = f"subsidy.rules[{rule.id}]", None
    if rule.fixed is not None:
        amount = read.sum(f"{at}.fixed", rule.fixed)
        how = f"定额 {amount}"
    else:
        assert rule.share is not None
        base_tier = rule.of_tier or tier
        standard = _standard(read, base_tier)
        share = read.ratio(f"{at}.share", rule.share)
        amount, how = to_yuan(standard * share), f"{base_tier}档缴费标准 {standard} × {share}"
    if rule.minimum is not None:
        minimum = read.sum(f"{at}.minimum", rule.minimum)
        if amount < minimum:
            amount, how = minimum, f"{how}, 低于 {minimum} 按 {minimum}"
    return amount, share, how


def quote(pack: PolicyPack, held: frozenset[Category], year: int, tier: int) -> SubsidyQuote:
    """The most favourable subsidy rule among the person's categories (never more than the contribution)."""
    if pack.subsidy is None:
        raise EngineError("region_code", "subsidy_rules", f"pack {pack.id} has no enrollment-subsidy rules")
    standard = Reader(pack, year)
    contribution = _standard(standard, tier)
    best: tuple[Decimal, SubsidyRule, Decimal | None, str, Reader] | None = None
    for rule in pack.subsidy.rules:
        applies = (
            rule.in_force(year)
            and tier in rule.enrolled_tiers
            and bool(held & set(rule.categories))
            and not held & set(rule.excludes)
        )
        if not applies:
            continue
        read = Reader(pack, year)
        amount, share, how = _amount(read, rule, tier)
        amount = min(amount, contribution)  # a subsidy never exceeds what the person owes
        if best is None or amount > best[0]:
            best = (amount, rule, share, how, read)
    if best is None:
        note = "无适用的资助参保规则 / no subsidy rule applies to these categories"
        step = Step("subsidy", pack.id, "none", contribution, None, ZERO, note, standard.used)
        return SubsidyQuote(contribution, ZERO, contribution, None, (), (step,))
    amount, rule, share, how, read = best
    used = tuple({v.path: v for v in (*standard.used, *read.used)}.values())
    step = Step("subsidy", pack.id, rule.id, contribution, share, amount, f"资助参保: {how}", used)
    return SubsidyQuote(contribution, amount, contribution - amount, rule.id, rule.funding, (step,))
