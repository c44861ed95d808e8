"""The three-tier settlement engine (三重制度): basic → critical illness → medical assistance → tilt.

Pure: it takes a claim's cost breakdown, the categories whose benefits the person holds on the claim's date
(from the list date, seed 000 四), the region's pack and what the person already received this year, and returns
every payer's share with the steps that produced it. Every pack value is read through a ``Reader``, so each step
names the unconfirmed values it used, and a value still pending stops the settlement with ``PendingValue``.
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
from libs.common.policy.reader import Reader
from libs.common.policy.settlement import AssistanceGroup, HospitalClass, Settlement, Visit
from libs.common.policy.values import UsedValue

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
    def used_values(self) -> tuple[UsedValue, ...]:
        """Every value not confirmed that some step used, each once."""
        return tuple({(v.pack_id, v.path): v for s in self.steps for v in s.values}.values())

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
    read, at = Reader(pack, claim.settlement_date.year), f"settlement.basic.{claim.visit}"
    base = max(ZERO, claim.in_catalog - read.sum(f"{at}.deductible", rule.deductible))
    ratio = read.ratio(f"{at}.ratio", rule.ratio)
    paid = to_yuan(base * ratio)
    cap = read.limit(f"{at}.annual_cap", rule.annual_cap)
    if cap is not None:
        paid = min(paid, cap)
    steps.append(
        Step("basic", pack.id, f"basic.{claim.visit}", base, ratio, paid, "基本医保: 起付线以上按比例支付", read.used)
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
    read, at = Reader(pack, claim.settlement_date.year), "settlement.critical_illness"
    deductible = read.sum(f"{at}.deductible", rule.deductible)
    ratio = read.ratio(f"{at}.ratio", rule.ratio)
    rule_id, note = "critical_illness", "大病保险"
    tilt = rule.tilt
    tilted = tilt is not None and bool(held & set(tilt.categories))
    if tilt is not None and tilted:
        deductible = to_yuan(deductible * read.ratio(f"{at}.tilt.deductible_factor", tilt.deductible_factor))
        ratio = ratio + read.ratio(f"{at}.tilt.ratio_bonus", tilt.ratio_bonus)
        rule_id, note = "critical_illness.tilt", "大病保险倾斜支付: 起付线降低、比例提高、不设封顶线"
    # The cap is read only where it applies: an uncapped tilt needs none, so a pending cap does not stop it.
    cap = None if tilt is not None and tilted and tilt.uncapped else read.limit(f"{at}.annual_cap", rule.annual_cap)
    # The deductible applies to the year's cumulative self-pay: only the part of this claim above it counts.
    over_before = max(ZERO, ytd.critical_base - deductible)
    over_after = max(ZERO, ytd.critical_base + self_pay - deductible)
    paid = to_yuan((over_after - over_before) * ratio)
    if cap is not None:
        paid = max(ZERO, min(paid, cap - ytd.critical_paid))
    paid = min(paid, self_pay)
    steps.append(
        Step(
            "critical_illness",
            pack.id,
            rule_id,
            over_after - over_before,
            ratio,
            paid,
            f"{note} (起付线 {deductible})",
            read.used,
        )
    )
    return paid


def _group_path(group: AssistanceGroup) -> str:
    return f"settlement.assistance[{group.id}]"


def _annual_limit(read: Reader, group: AssistanceGroup) -> Decimal | None:
    return read.limit(f"{_group_path(group)}.annual_limit", group.annual_limit)


@dataclass(frozen=True)
class _Offer:
    """What one assistance group would pay for a claim, how, at which ratio, and the values it read."""

    amount: Decimal
    how: str
    ratio: Decimal | None
    read: Reader


def _assistance_by(
    pack: PolicyPack, group: AssistanceGroup, claim: ClaimCost, ytd: YearToDate, basic: Decimal, critical: Decimal
) -> _Offer:
    read, at = Reader(pack, claim.settlement_date.year), _group_path(group)
    self_pay = claim.in_catalog - basic - critical
    given = group.ratios.get(claim.visit)
    if given is None:
        return _Offer(ZERO, "no ratio for this visit type", None, read)
    ratio = read.ratio(f"{at}.ratios.{claim.visit}", given)
    amount = to_yuan(self_pay * ratio)
    how = f"目录内个人自付 {self_pay} × {ratio}"
    floor = group.floor
    if (
        floor is not None
        and claim.visit is Visit.INPATIENT
        and (claim.in_province or not floor.in_province_only)
        and claim.in_catalog > 0
    ):
        floor_ratio = read.ratio(f"{at}.floor.ratio", floor.ratio)
        needed = to_yuan(claim.in_catalog * floor_ratio) - basic - critical
        if needed > amount:
            amount, how = min(needed, self_pay), f"{how}, 补足至目录内综合支付比例 {floor_ratio}"
    if amount <= 0:
        return _Offer(amount, how, ratio, read)  # nothing to pay: no limit is needed
    limits = []
    annual = _annual_limit(read, group)
    if annual is not None:
        limits.append(annual - ytd.assistance_paid)
    if claim.visit is Visit.OUTPATIENT and group.outpatient_limit is not None:
        outpatient = read.limit(f"{at}.outpatient_limit", group.outpatient_limit)
        if outpatient is not None:
            limits.append(outpatient - ytd.outpatient_assistance_paid)
    if limits and min(limits) < amount:
        amount, how = max(ZERO, min(limits)), f"{how}, 受年度救助限额所限"
    return _Offer(amount, how, ratio, read)


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
    best: tuple[_Offer, AssistanceGroup] | None = None
    for group in _rules(pack).groups_for(held):
        offer = _assistance_by(pack, group, claim, ytd, basic, critical)
        if best is None or offer.amount > best[0].amount:
            best = (offer, group)
    if best is None:
        return ZERO, None
    offer, group = best
    steps.append(
        Step(
            "medical_assistance",
            pack.id,
            group.id,
            claim.in_catalog - basic - critical,
            offer.ratio,
            offer.amount,
            f"医疗救助: {offer.how}",
            offer.read.used,
        )
    )
    return offer.amount, group


def _out_of_catalog(
    pack: PolicyPack,
    claim: ClaimCost,
    held: frozenset[Category],
    ytd: YearToDate,
    assisted_group: tuple[AssistanceGroup, Decimal] | None,
    steps: list[Step],
) -> tuple[Decimal, Decimal]:
    """(hospital-borne excess, assistance on the capped out-of-catalog part, within the group's yearly limit)."""
    rule = _rules(pack).out_of_catalog
    if rule is None or claim.out_of_catalog == 0 or claim.visit not in rule.visits or not held & set(rule.categories):
        return ZERO, ZERO
    if rule.caps_in_province_only and not claim.in_province:
        return ZERO, ZERO
    if claim.hospital_class is None:
        raise EngineError("hospital_class", "required", f"pack {pack.id} caps out-of-catalog costs by hospital class")
    year, at = claim.settlement_date.year, "settlement.out_of_catalog"
    read = Reader(pack, year)
    share = read.ratio(f"{at}.caps.{claim.hospital_class}", rule.caps[claim.hospital_class])
    cap = to_yuan(claim.total * share)
    borne = max(ZERO, claim.out_of_catalog - cap)
    steps.append(
        Step("out_of_catalog", pack.id, f"out_of_catalog.{claim.hospital_class}", claim.total, share, borne,
             f"目录外费用不得超过总费用的 {share}, 超出部分 {borne} 由医疗机构承担", read.used)
    )  # fmt: skip
    assisted = ZERO
    in_period = rule.assisted_to_year is None or claim.settlement_date.year <= rule.assisted_to_year
    if (
        rule.assisted_ratio is not None
        and in_period
        and held & set(rule.assisted_categories)
        and (claim.in_province or not rule.assisted_in_province_only)
    ):
        read = Reader(pack, year)
        ratio = read.ratio(f"{at}.assisted_ratio", rule.assisted_ratio)
        capped = claim.out_of_catalog - borne
        assisted = to_yuan(capped * ratio)
        if assisted > 0 and assisted_group is not None:
            # Out-of-catalog assistance shares the yearly limit of the group that assisted the in-catalog part.
            group, in_catalog_assistance = assisted_group
            annual = _annual_limit(read, group)
            if annual is not None:
                assisted = max(ZERO, min(assisted, annual - ytd.assistance_paid - in_catalog_assistance))
        steps.append(
            Step("out_of_catalog_assistance", pack.id, "out_of_catalog.assisted", capped, ratio, assisted,
                 "控制比例范围内的目录外费用按比例救助", read.used)
        )  # fmt: skip
    return borne, assisted


def _tilted(
    pack: PolicyPack, claim: ClaimCost, held: frozenset[Category], ytd: YearToDate, left: Decimal, steps: list[Step]
) -> Decimal:
    rule = _rules(pack).tilted
    if rule is None or not held & set(rule.categories) or left <= 0:
        return ZERO
    # No seed gives the 倾斜救助 amounts: until an operator sets them, a claim that needs them is a named
    # problem (PendingValue), never a silent 0.
    read, at = Reader(pack, claim.settlement_date.year), "settlement.tilted"
    line = read.sum(f"{at}.threshold", rule.threshold)
    ratio = read.ratio(f"{at}.ratio", rule.ratio)
    over_before = max(ZERO, ytd.policy_burden - line)
    over_after = max(ZERO, ytd.policy_burden + left - line)
    paid = min(to_yuan((over_after - over_before) * ratio), left)
    limit = read.limit(f"{at}.annual_limit", rule.annual_limit)
    if limit is not None:
        paid = max(ZERO, min(paid, limit - ytd.tilted_paid))
    steps.append(
        Step(
            "tilted",
            pack.id,
            "tilted",
            over_after - over_before,
            ratio,
            paid,
            f"倾斜救助: 年度政策范围内个人负担超过 {line} 的部分",
            read.used,
        )
    )
    return paid


def settle(pack: PolicyPack, claim: ClaimCost, held: frozenset[Category], ytd: YearToDate) -> Result:
    """Settle one claim over the three tiers (and the tilt) for a person holding ``held``'s benefits on its date."""
    for name in ("in_catalog", "out_of_catalog", "basic_paid", "critical_paid"):
        value = getattr(claim, name)
        if value is not None and value < 0:
            raise EngineError(name, "non_negative", f"{name} cannot be negative / 金额不能为负")
    steps: list[Step] = []
    basic = _basic(pack, claim, steps)
    critical = _critical(pack, claim, held, ytd, basic, steps)
    assistance, group = _assistance(pack, claim, held, ytd, basic, critical, steps)
    borne, ooc_assisted = _out_of_catalog(
        pack, claim, held, ytd, (group, assistance) if group is not None else None, steps
    )
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
