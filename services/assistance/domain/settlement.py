"""The three-tier settlement engine (三重制度): basic → critical illness → medical assistance → tilt.

Pure: it takes a claim's cost breakdown, the categories held on the claim's date, the region's pack and what
the person already received this year, and returns every payer's share with the steps that produced it.
Each tier pays at most what is left after the ones before it, so the payers plus the burden make the total.
Amounts are rounded to the fen by ``to_yuan`` (ROUND_HALF_UP), the project's one rounding rule, once per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from libs.common.categories import Category
from libs.common.money import to_yuan
from libs.common.policy import PolicyPack
from libs.common.policy.explanation import EngineError, Step
from libs.common.policy.settlement import AssistanceGroup, HospitalClass, Settlement, Visit

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ClaimCost:
    settlement_date: date
    visit: Visit
    in_catalog: Decimal  # 目录内 / 政策范围内 cost
    out_of_catalog: Decimal = ZERO  # 目录外 cost (self-expense unless capped or assisted)
    hospital_class: HospitalClass | None = None
    in_province: bool = True
    basic_paid: Decimal | None = None  # what basic insurance actually paid, when the settlement system sent it
    critical_paid: Decimal | None = None  # likewise for critical illness insurance

    @property
    def total(self) -> Decimal:
        return self.in_catalog + self.out_of_catalog


@dataclass(frozen=True)
class YearToDate:
    """What the person already received this year, before this claim."""

    critical_base: Decimal = ZERO  # in-policy self-pay after basic, counted toward the critical deductible
    critical_paid: Decimal = ZERO
    assistance_paid: Decimal = ZERO  # all medical assistance (shared yearly limit)
    outpatient_assistance_paid: Decimal = ZERO  # ordinary-outpatient part of it (sub-limit)
    policy_burden: Decimal = ZERO  # in-policy self-pay left after the three tiers (for 倾斜救助)
    tilted_paid: Decimal = ZERO


@dataclass(frozen=True)
class Result:
    basic: Decimal
    critical_illness: Decimal
    medical_assistance: Decimal  # in-catalog assistance, incl. any floor top-up
    out_of_catalog_assistance: Decimal
    tilted: Decimal
    hospital_borne: Decimal  # out-of-catalog cost above the cap, borne by the hospital
    burden: Decimal  # what is left to the person
    funding: str | None  # the fund the assistance comes from (the group that applied)
    steps: tuple[Step, ...]
    year_to_date: YearToDate  # updated with this claim
    total: Decimal = field(default=ZERO)

    @property
    def paid_by_others(self) -> Decimal:
        return (
            self.basic
            + self.critical_illness
            + self.medical_assistance
            + self.out_of_catalog_assistance
            + self.tilted
            + self.hospital_borne
        )


def _rules(pack: PolicyPack) -> Settlement:
    if pack.settlement is None:
        raise EngineError("region_code", "settlement_rules", f"pack {pack.id} has no settlement rules")
    return pack.settlement


def _basic(pack: PolicyPack, claim: ClaimCost, steps: list[Step]) -> Decimal:
    if claim.basic_paid is not None:
        if claim.basic_paid > claim.in_catalog:
            raise EngineError(
                "basic_paid", "within_in_catalog", "basic insurance cannot pay more than the in-catalog cost"
            )
        steps.append(
            Step(
                "basic", pack.id, "as-settled", claim.in_catalog, None, claim.basic_paid, "基本医保: 按结算系统实际支付"
            )
        )
        return claim.basic_paid
    rule = _rules(pack).basic.get(claim.visit)
    if rule is None:
        raise EngineError(
            "basic_paid",
            "required_without_pack_rule",
            f"pack {pack.id} sets no basic-insurance rule for {claim.visit}: send what basic insurance paid",
        )
    base = max(ZERO, claim.in_catalog - rule.deductible)
    paid = to_yuan(base * rule.ratio)
    if rule.annual_cap is not None:
        paid = min(paid, rule.annual_cap)
    steps.append(
        Step("basic", pack.id, f"basic.{claim.visit}", base, rule.ratio, paid, "基本医保: 起付线以上按比例支付")
    )
    return paid


def _critical(
    pack: PolicyPack, claim: ClaimCost, held: frozenset[Category], ytd: YearToDate, basic: Decimal, steps: list[Step]
) -> Decimal:
    self_pay = claim.in_catalog - basic
    if claim.critical_paid is not None:
        if claim.critical_paid > self_pay:
            raise EngineError("critical_paid", "within_remaining", "critical illness cannot pay more than what remains")
        steps.append(
            Step(
                "critical_illness",
                pack.id,
                "as-settled",
                self_pay,
                None,
                claim.critical_paid,
                "大病保险: 按结算系统实际支付",
            )
        )
        return claim.critical_paid
    rule = _rules(pack).critical_illness
    if rule is None:
        raise EngineError(
            "critical_paid",
            "required_without_pack_rule",
            f"pack {pack.id} sets no critical-illness rule: send what critical illness insurance paid",
        )
    year = claim.settlement_date.year
    deductible = pack.amount(rule.deductible, year)
    ratio, cap, rule_id, note = rule.ratio, rule.annual_cap, "critical_illness", "大病保险"
    tilt = rule.tilt
    if tilt is not None and held & set(tilt.categories):
        deductible = to_yuan(deductible * tilt.deductible_factor)
        ratio = ratio + tilt.ratio_bonus
        cap = None if tilt.uncapped else cap
        rule_id, note = "critical_illness.tilt", "大病保险倾斜支付: 起付线降低、比例提高、不设封顶线"
    # The deductible applies to the year's cumulative self-pay: only the part of this claim above it counts.
    over_before = max(ZERO, ytd.critical_base - deductible)
    over_after = max(ZERO, ytd.critical_base + self_pay - deductible)
    paid = to_yuan((over_after - over_before) * ratio)
    if cap is not None:
        paid = max(ZERO, min(paid, cap - ytd.critical_paid))
    paid = min(paid, self_pay)
    steps.append(
        Step(
            "critical_illness", pack.id, rule_id, over_after - over_before, ratio, paid, f"{note} (起付线 {deductible})"
        )
    )
    return paid


def _annual_limit(pack: PolicyPack, group: AssistanceGroup, year: int) -> Decimal | None:
    return pack.amount(group.annual_limit, year) if group.annual_limit is not None else None


def _assistance_by(
    pack: PolicyPack, group: AssistanceGroup, claim: ClaimCost, ytd: YearToDate, basic: Decimal, critical: Decimal
) -> tuple[Decimal, str]:
    """What one assistance group would pay for this claim, and how."""
    self_pay = claim.in_catalog - basic - critical
    ratio = group.ratios.get(claim.visit)
    if ratio is None:
        return ZERO, "no ratio for this visit type"
    amount = to_yuan(self_pay * ratio)
    how = f"目录内个人自付 {self_pay} × {ratio}"
    floor = group.floor
    if (
        floor is not None
        and claim.visit is Visit.INPATIENT
        and (claim.in_province or not floor.in_province_only)
        and claim.in_catalog > 0
    ):
        needed = to_yuan(claim.in_catalog * floor.ratio) - basic - critical
        if needed > amount:
            amount, how = min(needed, self_pay), f"{how}, 补足至目录内综合支付比例 {floor.ratio}"
    limits = []
    annual = _annual_limit(pack, group, claim.settlement_date.year)
    if annual is not None:
        limits.append(annual - ytd.assistance_paid)
    if claim.visit is Visit.OUTPATIENT and group.outpatient_limit is not None:
        limits.append(group.outpatient_limit - ytd.outpatient_assistance_paid)
    if limits and min(limits) < amount:
        amount, how = max(ZERO, min(limits)), f"{how}, 受年度救助限额所限"
    return amount, how


def _assistance(
    pack: PolicyPack,
    claim: ClaimCost,
    held: frozenset[Category],
    ytd: YearToDate,
    basic: Decimal,
    critical: Decimal,
    steps: list[Step],
) -> tuple[Decimal, AssistanceGroup | None]:
    # A person may hold several categories: the most favourable group applies (DOMAIN.md, a reading).
    best: tuple[Decimal, AssistanceGroup, str] | None = None
    for group in _rules(pack).groups_for(held):
        amount, how = _assistance_by(pack, group, claim, ytd, basic, critical)
        if best is None or amount > best[0]:
            best = (amount, group, how)
    if best is None:
        return ZERO, None
    amount, group, how = best
    steps.append(
        Step(
            "medical_assistance",
            pack.id,
            group.id,
            claim.in_catalog - basic - critical,
            group.ratios.get(claim.visit),
            amount,
            f"医疗救助: {how}",
        )
    )
    return amount, group


def _out_of_catalog(
    pack: PolicyPack,
    claim: ClaimCost,
    held: frozenset[Category],
    limit_left: Decimal | None,
    steps: list[Step],
) -> tuple[Decimal, Decimal]:
    """(hospital-borne excess, assistance on the capped out-of-catalog part, within the yearly limit left)."""
    rule = _rules(pack).out_of_catalog
    if rule is None or claim.out_of_catalog == 0 or claim.visit not in rule.visits or not held & set(rule.categories):
        return ZERO, ZERO
    if rule.caps_in_province_only and not claim.in_province:
        return ZERO, ZERO
    if claim.hospital_class is None:
        raise EngineError("hospital_class", "required", f"pack {pack.id} caps out-of-catalog costs by hospital class")
    share = rule.caps[claim.hospital_class]
    cap = to_yuan(claim.total * share)
    borne = max(ZERO, claim.out_of_catalog - cap)
    steps.append(
        Step("out_of_catalog", pack.id, f"out_of_catalog.{claim.hospital_class}", claim.total, share, borne,
             f"目录外费用不得超过总费用的 {share}, 超出部分 {borne} 由医疗机构承担")
    )  # fmt: skip
    assisted = ZERO
    in_period = rule.assisted_to_year is None or claim.settlement_date.year <= rule.assisted_to_year
    if in_period and held & set(rule.assisted_categories) and (claim.in_province or not rule.assisted_in_province_only):
        capped = claim.out_of_catalog - borne
        assisted = to_yuan(capped * rule.assisted_ratio)
        if limit_left is not None:
            assisted = max(ZERO, min(assisted, limit_left))
        steps.append(
            Step("out_of_catalog_assistance", pack.id, "out_of_catalog.assisted", capped, rule.assisted_ratio, assisted,
                 "控制比例范围内的目录外费用按比例救助")
        )  # fmt: skip
    return borne, assisted


def _tilted(
    pack: PolicyPack, claim: ClaimCost, held: frozenset[Category], ytd: YearToDate, left: Decimal, steps: list[Step]
) -> Decimal:
    rule = _rules(pack).tilted
    if rule is None or rule.threshold is None or not held & set(rule.categories) or left <= 0:
        return ZERO
    line = pack.amount(rule.threshold, claim.settlement_date.year)
    over_before = max(ZERO, ytd.policy_burden - line)
    over_after = max(ZERO, ytd.policy_burden + left - line)
    paid = min(to_yuan((over_after - over_before) * rule.ratio), left)
    if rule.annual_limit is not None:
        paid = max(ZERO, min(paid, rule.annual_limit - ytd.tilted_paid))
    steps.append(
        Step(
            "tilted",
            pack.id,
            "tilted",
            over_after - over_before,
            rule.ratio,
            paid,
            f"倾斜救助: 年度政策范围内个人负担超过 {line} 的部分",
        )
    )
    return paid


def settle(pack: PolicyPack, claim: ClaimCost, held: frozenset[Category], ytd: YearToDate) -> Result:
    """Settle one claim over the three tiers (and the tilt) for a person holding ``held`` on its date."""
    for name in ("in_catalog", "out_of_catalog", "basic_paid", "critical_paid"):
        value = getattr(claim, name)
        if value is not None and value < 0:
            raise EngineError(name, "non_negative", f"{name} cannot be negative / 金额不能为负")
    steps: list[Step] = []
    basic = _basic(pack, claim, steps)
    critical = _critical(pack, claim, held, ytd, basic, steps)
    assistance, group = _assistance(pack, claim, held, ytd, basic, critical, steps)
    annual = _annual_limit(pack, group, claim.settlement_date.year) if group is not None else None
    limit_left = annual - ytd.assistance_paid - assistance if annual is not None else None
    borne, ooc_assisted = _out_of_catalog(pack, claim, held, limit_left, steps)
    policy_left = claim.in_catalog - basic - critical - assistance
    tilted = _tilted(pack, claim, held, ytd, policy_left, steps)
    burden = claim.total - basic - critical - assistance - ooc_assisted - tilted - borne
    outpatient = assistance if claim.visit is Visit.OUTPATIENT else ZERO
    ytd_after = replace(
        ytd,
        critical_base=ytd.critical_base + (claim.in_catalog - basic),
        critical_paid=ytd.critical_paid + critical,
        assistance_paid=ytd.assistance_paid + assistance + ooc_assisted,
        outpatient_assistance_paid=ytd.outpatient_assistance_paid + outpatient,
        policy_burden=ytd.policy_burden + policy_left - tilted,
        tilted_paid=ytd.tilted_paid + tilted,
    )
    return Result(
        basic=basic,
        critical_illness=critical,
        medical_assistance=assistance,
        out_of_catalog_assistance=ooc_assisted,
        tilted=tilted,
        hospital_borne=borne,
        burden=burden,
        funding=group.funding if group else None,
        steps=tuple(steps),
        year_to_date=ytd_after,
        total=claim.total,
    )
