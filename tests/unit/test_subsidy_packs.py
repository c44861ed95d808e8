"""Subsidized enrollment (资助参保) for every category rule of the 忻州, 彭水 and 威海 packs.

Contribution standards (个人缴费标准) are the packs' figures: 忻州 2022 350, 2023 380, 2024 400 (one tier);
彭水 2024 tier 1 400; 威海 2023 tier 1 380, 2024 400. Where a pack's figure is pending (彭水 and 威海 tier 2,
忻州 from 2025) the tests use a variant with a value set for the test only, and say so.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest

from libs.common.categories import Category
from libs.common.policy import Figure, MissingFigure, PolicyPack, load_book
from libs.common.policy.explanation import EngineError
from libs.common.policy.subsidy import Funding
from libs.common.policy.subsidy_quote import SubsidyQuote, quote

BOOK = load_book(Path(__file__).parents[2] / "policies")
XINZHOU = BOOK.get("xinzhou-2022")
PENGSHUI = BOOK.get("pengshui-2024")
WEIHAI = BOOK.get("weihai-2023")

C = Category
MAF = (Funding.MEDICAL_ASSISTANCE_FUND,)


def yuan(text: str) -> Decimal:
    return Decimal(text)


def with_standard(pack: PolicyPack, figure: str, values: dict[int, str]) -> PolicyPack:
    """A test variant with contribution-standard values the shipped pack leaves pending (or overrides)."""
    old = pack.figures[figure]
    new = Figure(
        description=old.description,
        source="test variant: value set by the test, not a confirmed standard",
        confirmed=False,
        values={**old.values, **{year: Decimal(v) for year, v in values.items()}},
    )
    variant = pack.model_copy(update={"figures": {**pack.figures, figure: new}})
    return PolicyPack.model_validate(variant.model_dump())  # validated like a shipped pack


class Case(NamedTuple):
    held: frozenset[Category]
    year: int
    tier: int
    subsidy: str
    rule_id: str | None
    funding: tuple[Funding, ...]


def check(pack: PolicyPack, case: Case) -> SubsidyQuote:
    q = quote(pack, case.held, case.year, case.tier)
    assert q.subsidy == yuan(case.subsidy)
    assert q.rule_id == case.rule_id
    assert q.funding == case.funding
    assert q.own_share == q.contribution - q.subsidy
    (s,) = q.steps
    assert (s.tier, s.pack_id, s.rule_id, s.amount) == ("subsidy", pack.id, case.rule_id or "none", q.subsidy)
    return q


def held(*categories: Category) -> frozenset[Category]:
    return frozenset(categories)


# --- 忻州 -----------------------------------------------------------------------------------------------

XZ = "xinzhou-2022-"
XINZHOU_CASES = [
    # 2022, standard 350.00
    Case(held(C.TEKUN), 2022, 1, "350.00", XZ + "tekun", MAF),  # 全额: 350.00, own share 0
    Case(held(C.DIBAO), 2022, 1, "280.00", XZ + "dibao", MAF),  # 350.00 × 80% = 280.00 (= the 280 floor)
    Case(held(C.VETERAN_KEY), 2022, 1, "280.00", XZ + "veterans", (Funding.VETERANS_FUND, Funding.COUNTY_FINANCE)),
    Case(held(C.VETERAN_OTHER), 2022, 1, "280.00", XZ + "veterans", (Funding.VETERANS_FUND, Funding.COUNTY_FINANCE)),
    Case(held(C.SEVERE_DISABILITY), 2022, 1, "280.00", XZ + "severe-disability", (Funding.COUNTY_FINANCE,)),
    Case(held(C.RETURNED_TO_POVERTY), 2022, 1, "315.00", XZ + "returned-to-poverty", MAF),  # 350.00 × 90%
    Case(held(C.UNSTABLE_OUT_OF_POVERTY), 2022, 1, "280.00", XZ + "easily-relapsing", MAF),  # 易返贫致贫: fixed 280
    Case(held(C.EDGE_OF_POVERTY), 2022, 1, "280.00", XZ + "easily-relapsing", MAF),
    Case(held(C.STABLE_OUT_OF_POVERTY), 2022, 1, "0.00", None, ()),  # 稳定脱贫人口不再享受资助参保政策
    Case(held(C.OTHER_RESIDENT), 2022, 1, "0.00", None, ()),
    Case(held(C.SUDDEN_HARDSHIP), 2022, 1, "0.00", None, ()),  # not named by the subsidy rules
    # 2023, standard 380.00: 低保 380 × 80% = 304.00 (above the floor); 返贫致贫 380 × 90% = 342.00
    Case(held(C.DIBAO), 2023, 1, "304.00", XZ + "dibao", MAF),
    Case(held(C.RETURNED_TO_POVERTY), 2023, 1, "342.00", XZ + "returned-to-poverty", MAF),
    Case(held(C.EDGE_OF_POVERTY), 2023, 1, "280.00", XZ + "easily-relapsing", MAF),
    # 2024, standard 400.00: 特困 400.00; 80% group 320.00; 返贫致贫 360.00; 易返贫致贫 still 280.00
    Case(held(C.TEKUN), 2024, 1, "400.00", XZ + "tekun", MAF),
    Case(held(C.DIBAO), 2024, 1, "320.00", XZ + "dibao", MAF),
    Case(held(C.VETERAN_KEY), 2024, 1, "320.00", XZ + "veterans", (Funding.VETERANS_FUND, Funding.COUNTY_FINANCE)),
    Case(held(C.SEVERE_DISABILITY), 2024, 1, "320.00", XZ + "severe-disability", (Funding.COUNTY_FINANCE,)),
    Case(held(C.RETURNED_TO_POVERTY), 2024, 1, "360.00", XZ + "returned-to-poverty", MAF),
    Case(held(C.UNSTABLE_OUT_OF_POVERTY), 2024, 1, "280.00", XZ + "easily-relapsing", MAF),
    # Not among the groups the notice subsidises (特困 低保 优抚 重度残疾 返贫致贫 易返贫致贫): 0.00, own share 400.00
    *[
        Case(held(c), 2024, 1, "0.00", None, ())
        for c in (
            C.DIBAO_EDGE,
            C.SERIOUS_ILLNESS_POOR,
            C.MONITORED_ASSISTED,
            C.POVERTY_POLICY_BENEFICIARY,
            C.FAMILY_PLANNING_SPECIAL,
            C.FAMILY_PLANNING_REWARD,
        )
    ],
]


@pytest.mark.parametrize("case", XINZHOU_CASES, ids=lambda c: f"{sorted(c.held)}-{c.year}")
def test_xinzhou_subsidy(case: Case) -> None:
    check(XINZHOU, case)


@pytest.mark.parametrize(
    ("extra", "rule_id", "funding"),
    [
        # 易返贫致贫 不含已纳入低保、优抚对象、重度残疾人、特困供养范围人员: a 脱贫不稳定 person who is also 低保 is
        # not 易返贫致贫. In 2022 both rules give 280.00 — and the fixed-280 rule comes first in the pack, so
        # without the exclusion it would win the tie; the 低保 rule must apply.
        (C.DIBAO, XZ + "dibao", MAF),
        # …who is also 优抚: the veterans' rule with its own funding (优抚对象医疗补助资金, then county finance).
        (C.VETERAN_KEY, XZ + "veterans", (Funding.VETERANS_FUND, Funding.COUNTY_FINANCE)),
        # …who is also 重度残疾: county finance pays.
        (C.SEVERE_DISABILITY, XZ + "severe-disability", (Funding.COUNTY_FINANCE,)),
    ],
)
def test_xinzhou_unstable_person_in_another_group_is_not_easily_relapsing(
    extra: Category, rule_id: str, funding: tuple[Funding, ...]
) -> None:
    check(XINZHOU, Case(held(C.UNSTABLE_OUT_OF_POVERTY, extra), 2022, 1, "280.00", rule_id, funding))
    check(XINZHOU, Case(held(C.EDGE_OF_POVERTY, extra), 2022, 1, "280.00", rule_id, funding))


def test_xinzhou_unstable_and_tekun_gets_the_full_subsidy() -> None:
    # 脱贫不稳定 + 特困: excluded from 易返贫致贫, 特困 pays in full: 350.00.
    check(XINZHOU, Case(held(C.UNSTABLE_OUT_OF_POVERTY, C.TEKUN), 2022, 1, "350.00", XZ + "tekun", MAF))


def test_xinzhou_most_favourable_of_several_rules() -> None:
    # 低保 + 返贫致贫 in 2022: 280.00 (低保) vs 315.00 (返贫致贫) → 315.00 from the 返贫致贫 rule.
    check(XINZHOU, Case(held(C.DIBAO, C.RETURNED_TO_POVERTY), 2022, 1, "315.00", XZ + "returned-to-poverty", MAF))


def test_xinzhou_80_percent_below_280_is_raised_to_280() -> None:
    # Test variant: a year (2022) with a contribution standard of 300.00 instead of the pack's 350.00.
    # 低保/优抚/重度残疾: 300.00 × 80% = 240.00 < 280 → 280.00 (低于280元按280元资助).
    # 返贫致贫: 300.00 × 90% = 270.00 — the 280 floor belongs to the 80% group only, so 270.00 stays.
    # 特困: 300.00.
    variant = with_standard(XINZHOU, "contribution_tier1", {2022: "300.00"})
    for case in [
        Case(held(C.DIBAO), 2022, 1, "280.00", XZ + "dibao", MAF),
        Case(
            held(C.VETERAN_OTHER), 2022, 1, "280.00", XZ + "veterans", (Funding.VETERANS_FUND, Funding.COUNTY_FINANCE)
        ),
        Case(held(C.SEVERE_DISABILITY), 2022, 1, "280.00", XZ + "severe-disability", (Funding.COUNTY_FINANCE,)),
        Case(held(C.RETURNED_TO_POVERTY), 2022, 1, "270.00", XZ + "returned-to-poverty", MAF),
        Case(held(C.TEKUN), 2022, 1, "300.00", XZ + "tekun", MAF),
        Case(held(C.UNSTABLE_OUT_OF_POVERTY), 2022, 1, "280.00", XZ + "easily-relapsing", MAF),
    ]:
        q = check(variant, case)
        assert q.contribution == yuan("300.00")
    dibao = quote(variant, held(C.DIBAO), 2022, 1)
    assert "280" in dibao.steps[0].note


def test_xinzhou_transition_rules_end_after_2025() -> None:
    # Test variant: the pack has no standard for 2025/2026 yet (pending); set 2025 = 400.00, 2026 = 420.00.
    # 2025 (last transition year): 返贫致贫 400.00 × 90% = 360.00; 易返贫致贫 280.00.
    # 2026: both transition rules have ended → 返贫致贫 alone 0.00, 脱贫不稳定 alone 0.00; 低保 (no end date)
    # 420.00 × 80% = 336.00, so a 低保 + 返贫致贫 person gets 336.00 from the 低保 rule; 特困 420.00.
    variant = with_standard(XINZHOU, "contribution_tier1", {2025: "400.00", 2026: "420.00"})
    check(variant, Case(held(C.RETURNED_TO_POVERTY), 2025, 1, "360.00", XZ + "returned-to-poverty", MAF))
    check(variant, Case(held(C.UNSTABLE_OUT_OF_POVERTY), 2025, 1, "280.00", XZ + "easily-relapsing", MAF))
    check(variant, Case(held(C.RETURNED_TO_POVERTY), 2026, 1, "0.00", None, ()))
    check(variant, Case(held(C.UNSTABLE_OUT_OF_POVERTY), 2026, 1, "0.00", None, ()))
    check(variant, Case(held(C.EDGE_OF_POVERTY), 2026, 1, "0.00", None, ()))
    check(variant, Case(held(C.DIBAO, C.RETURNED_TO_POVERTY), 2026, 1, "336.00", XZ + "dibao", MAF))
    check(variant, Case(held(C.TEKUN), 2026, 1, "420.00", XZ + "tekun", MAF))


def test_xinzhou_year_without_a_standard_raises_missing_figure() -> None:
    # The shipped pack has no 2025 standard: a configuration error naming the figure, never a zero subsidy.
    with pytest.raises(MissingFigure, match=r"contribution_tier1.*2025"):
        quote(XINZHOU, held(C.DIBAO), 2025, 1)


def test_xinzhou_has_one_tier_only() -> None:
    with pytest.raises(EngineError) as caught:
        quote(XINZHOU, held(C.DIBAO), 2022, 2)
    assert caught.value.field == "tier"


# --- 彭水 -----------------------------------------------------------------------------------------------
# Tier 1 2024 = 400.00 (pack). Tier 2 is pending in the pack: the variant sets 1,000.00 for the test only.

PS = "pengshui-2024-"
PENGSHUI_T2 = with_standard(PENGSHUI, "contribution_tier2", {2024: "1000.00"})
RRF = (Funding.RURAL_REVITALIZATION_FUNDS,)
SEVENTY_PERCENT_GROUPS = [
    C.DIBAO_EDGE,
    C.SERIOUS_ILLNESS_POOR,
    C.RETURNED_TO_POVERTY,
    C.UNSTABLE_OUT_OF_POVERTY,
    C.EDGE_OF_POVERTY,
    C.SUDDEN_HARDSHIP,
    C.SEVERE_DISABILITY,
]
PENGSHUI_CASES = [
    # tier 1 (contribution 400.00)
    # 重点优抚: 100% of tier 2 = 1,000.00, but never more than the 400.00 owed in tier 1 → 400.00
    Case(held(C.VETERAN_KEY), 2024, 1, "400.00", PS + "veteran-key", MAF),
    # 其他优抚, 特困, 计生特扶: 100% of tier 1 = 400.00
    Case(held(C.VETERAN_OTHER), 2024, 1, "400.00", PS + "tier1-full", MAF),
    Case(held(C.TEKUN), 2024, 1, "400.00", PS + "tier1-full", MAF),
    Case(held(C.FAMILY_PLANNING_SPECIAL), 2024, 1, "400.00", PS + "tier1-full", MAF),
    # 计生奖扶: 80% × 400.00 = 320.00
    Case(held(C.FAMILY_PLANNING_REWARD), 2024, 1, "320.00", PS + "family-planning-reward", MAF),
    # 低保: 90% × 400.00 = 360.00
    Case(held(C.DIBAO), 2024, 1, "360.00", PS + "dibao-tier1", MAF),
    # the 70% groups: 70% × 400.00 = 280.00
    *[Case(held(c), 2024, 1, "280.00", PS + "low-income-tier1", MAF) for c in SEVENTY_PERCENT_GROUPS],
    # 稳定脱贫: fixed 30.00 from 统筹衔接资金
    Case(held(C.STABLE_OUT_OF_POVERTY), 2024, 1, "30.00", PS + "stable", RRF),
    Case(held(C.OTHER_RESIDENT), 2024, 1, "0.00", None, ()),
    # tier 2 (contribution 1,000.00, test value)
    Case(held(C.VETERAN_KEY), 2024, 2, "1000.00", PS + "veteran-key", MAF),  # 100% of tier 2: own share 0
    Case(held(C.VETERAN_OTHER), 2024, 2, "400.00", PS + "tier1-full", MAF),  # 100% of tier 1: own share 600.00
    Case(held(C.TEKUN), 2024, 2, "400.00", PS + "tier1-full", MAF),
    Case(held(C.FAMILY_PLANNING_SPECIAL), 2024, 2, "400.00", PS + "tier1-full", MAF),
    Case(held(C.FAMILY_PLANNING_REWARD), 2024, 2, "320.00", PS + "family-planning-reward", MAF),  # 80% of tier 1
    # 上述人员自愿参加二档的，按一档缴费标准的100%资助: 低保 and the 70% groups get 400.00 in tier 2
    Case(held(C.DIBAO), 2024, 2, "400.00", PS + "low-income-tier2", MAF),
    *[Case(held(c), 2024, 2, "400.00", PS + "low-income-tier2", MAF) for c in SEVENTY_PERCENT_GROUPS],
    Case(held(C.STABLE_OUT_OF_POVERTY), 2024, 2, "30.00", PS + "stable", RRF),  # own share 970.00
    Case(held(C.OTHER_RESIDENT), 2024, 2, "0.00", None, ()),
    # Not named by the notice's subsidy rules: 0.00 in either tier
    *[
        Case(held(c), 2024, t, "0.00", None, ())
        for c in (C.MONITORED_ASSISTED, C.POVERTY_POLICY_BENEFICIARY)
        for t in (1, 2)
    ],
]


@pytest.mark.parametrize("case", PENGSHUI_CASES, ids=lambda c: f"{sorted(c.held)}-tier{c.tier}")
def test_pengshui_subsidy(case: Case) -> None:
    q = check(PENGSHUI_T2, case)
    assert q.contribution == yuan("400.00" if case.tier == 1 else "1000.00")


def test_pengshui_several_categories_take_the_best_rule() -> None:
    # 低保 + 重度残疾 in tier 1: 360.00 (低保 90%) beats 280.00 (70%).
    check(PENGSHUI_T2, Case(held(C.DIBAO, C.SEVERE_DISABILITY), 2024, 1, "360.00", PS + "dibao-tier1", MAF))
    # 稳定脱贫 + 边缘易致贫: 280.00 (medical assistance fund) beats 30.00 (rural revitalization).
    both = held(C.STABLE_OUT_OF_POVERTY, C.EDGE_OF_POVERTY)
    check(PENGSHUI_T2, Case(both, 2024, 1, "280.00", PS + "low-income-tier1", MAF))


def test_pengshui_shipped_pack_tier_1_works_and_tier_2_needs_the_pending_standard() -> None:
    # The shipped pack (tier 2 pending): 特困 in tier 1 is quoted (400.00); anything in tier 2 — and 重点优抚,
    # whose rule is a share of the tier-2 standard — fails loudly naming the figure.
    check(PENGSHUI, Case(held(C.TEKUN), 2024, 1, "400.00", PS + "tier1-full", MAF))
    with pytest.raises(MissingFigure, match="contribution_tier2"):
        quote(PENGSHUI, held(C.TEKUN), 2024, 2)
    with pytest.raises(MissingFigure, match="contribution_tier2"):
        quote(PENGSHUI, held(C.VETERAN_KEY), 2024, 1)


# --- 威海 -----------------------------------------------------------------------------------------------
# Tier 1: 2023 380.00, 2024 400.00 (pack). Tier 2 pending: the variant sets 2023 = 600.00 for the test only.

WH = "weihai-2023-"
WEIHAI_T2 = with_standard(WEIHAI, "contribution_tier2", {2023: "600.00"})
WEIHAI_FIXED_GROUPS = [
    C.DIBAO,
    C.RETURNED_TO_POVERTY,
    C.DIBAO_EDGE,
    C.MONITORED_ASSISTED,
    C.UNSTABLE_OUT_OF_POVERTY,
    C.EDGE_OF_POVERTY,
    C.SUDDEN_HARDSHIP,
]
WEIHAI_CASES = [
    # 特困: 二档 full: 600.00 in tier 2; in tier 1 never more than the 380.00 owed
    Case(held(C.TEKUN), 2023, 2, "600.00", WH + "tekun", MAF),
    Case(held(C.TEKUN), 2023, 1, "380.00", WH + "tekun", MAF),
    # 低保, 返贫致贫, 低保边缘, 防止返贫监测帮扶对象: a fixed sum equal to the tier-1 standard (reading), in
    # either tier: 380.00 (tier 1: own share 0; tier 2: own share 220.00)
    *[Case(held(c), 2023, 1, "380.00", WH + "tier1-fixed", MAF) for c in WEIHAI_FIXED_GROUPS],
    *[Case(held(c), 2023, 2, "380.00", WH + "tier1-fixed", MAF) for c in WEIHAI_FIXED_GROUPS],
    Case(held(C.DIBAO), 2024, 1, "400.00", WH + "tier1-fixed", MAF),  # 2024 standard 400.00
    Case(held(C.SERIOUS_ILLNESS_POOR), 2023, 1, "0.00", None, ()),
    Case(held(C.STABLE_OUT_OF_POVERTY), 2023, 1, "0.00", None, ()),
    Case(held(C.OTHER_RESIDENT), 2023, 1, "0.00", None, ()),
]


@pytest.mark.parametrize("case", WEIHAI_CASES, ids=lambda c: f"{sorted(c.held)}-{c.year}-tier{c.tier}")
def test_weihai_subsidy(case: Case) -> None:
    q = check(WEIHAI_T2, case)
    if case.tier == 2 and case.rule_id == WH + "tier1-fixed":
        assert q.own_share == yuan("220.00")


def test_weihai_shipped_pack_tekun_needs_the_pending_tier_2_standard() -> None:
    check(WEIHAI, Case(held(C.DIBAO), 2023, 1, "380.00", WH + "tier1-fixed", MAF))
    with pytest.raises(MissingFigure, match="contribution_tier2"):
        quote(WEIHAI, held(C.TEKUN), 2023, 1)


# --- every rule is exercised -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pack", "cases"),
    [(XINZHOU, XINZHOU_CASES), (PENGSHUI, PENGSHUI_CASES), (WEIHAI, WEIHAI_CASES)],
    ids=["xinzhou", "pengshui", "weihai"],
)
def test_every_subsidy_rule_has_a_worked_case(pack: PolicyPack, cases: list[Case]) -> None:
    assert pack.subsidy is not None
    assert {r.id for r in pack.subsidy.rules} == {c.rule_id for c in cases if c.rule_id is not None}


@pytest.mark.parametrize(
    ("cases", "tiers"), [(XINZHOU_CASES, {1}), (PENGSHUI_CASES, {1, 2})], ids=["xinzhou", "pengshui"]
)
def test_every_category_has_a_worked_amount_in_every_tier(cases: list[Case], tiers: set[int]) -> None:
    alone = {(category, c.tier) for c in cases if len(c.held) == 1 for category in c.held}
    assert alone >= {(category, tier) for category in Category for tier in tiers}


def test_pack_without_subsidy_rules_raises() -> None:
    with pytest.raises(EngineError) as caught:
        quote(BOOK.get("yuecheng-2022"), held(C.DIBAO), 2022, 1)
    assert caught.value.rule == "subsidy_rules"
