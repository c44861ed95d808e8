"""彭水 (pengshui-2024) through the three-tier engine: the 17,833 critical-illness deductible, its tilt, assistance.

This is the one pack with a `critical_illness` section, so the engine computes critical illness itself from the
year's cumulative in-policy self-pay after basic insurance; claims still carry `basic_paid` (no `basic` rules).
Every example shows its hand calculation; rounding is 四舍五入 to the fen (ROUND_HALF_UP).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.categories import Category
from libs.common.policy import Figure, MissingFigure, PolicyPack, load_book
from libs.common.policy.explanation import EngineError, Step
from libs.common.policy.settlement import Settlement, Visit
from libs.common.policy.values import PendingValue, Status, Sum
from services.assistance.domain.settlement import ClaimCost, Result, YearToDate, settle
from tests.pack_variants import with_values

PACK_ID = "pengshui-2024"
BOOK = load_book(Path(__file__).parents[2] / "policies")
SHIPPED: PolicyPack = BOOK.get(PACK_ID)
# Test variant: the seed names a yearly assistance limit (年度救助限额) without its amount, so the shipped pack
# leaves the figure pending; these examples set it to 100,000.00 for 2024, high enough never to bite. Likewise
# the values the shipped pack leaves pending (a problem names each, see the end): the critical-illness cap of
# those without the tilt, 300,000.00, and a 倾斜救助 line of 1,000,000.00 — neither reached by these examples.
PENGSHUI: PolicyPack = with_values(
    SHIPPED.model_copy(
        update={
            "figures": {
                **SHIPPED.figures,
                "assistance_annual_limit": SHIPPED.figures["assistance_annual_limit"].model_copy(
                    update={"values": {2024: Decimal("100000.00")}}
                ),
            }
        }
    ),
    PACK_ID,
    {
        "settlement.critical_illness.annual_cap": "300000.00",
        "settlement.tilted.threshold": "1000000.00",
        "settlement.tilted.ratio": "0.50",
        "settlement.tilted.annual_limit": "unlimited",
    },
    "test variant: the operator's values",
)

TEKUN = frozenset({Category.TEKUN})
ORDINARY = frozenset({Category.OTHER_RESIDENT})


def yuan(text: str) -> Decimal:
    return Decimal(text)


def claim(
    in_catalog: str,
    basic_paid: str,
    *,
    visit: Visit = Visit.INPATIENT,
    out_of_catalog: str = "0.00",
    critical_paid: str | None = None,
    on: date = date(2024, 5, 1),
) -> ClaimCost:
    return ClaimCost(
        settlement_date=on,
        visit=visit,
        in_catalog=yuan(in_catalog),
        out_of_catalog=yuan(out_of_catalog),
        basic_paid=yuan(basic_paid),
        critical_paid=None if critical_paid is None else yuan(critical_paid),
    )


def step(result: Result, tier: str) -> Step:
    found = [s for s in result.steps if s.tier == tier]
    assert len(found) == 1, f"expected one {tier} step, got {result.steps}"
    return found[0]


def assert_rules(result: Result, critical_rule: str, assistance_rule: str | None) -> None:
    """The explanation names the pack and the rule of each tier it computed."""
    crit = step(result, "critical_illness")
    assert (crit.pack_id, crit.rule_id) == (PACK_ID, critical_rule)
    found = [s for s in result.steps if s.tier == "medical_assistance"]
    if assistance_rule is None:
        assert not found
    else:
        assert [(s.pack_id, s.rule_id) for s in found] == [(PACK_ID, assistance_rule)]


def settlement_of(pack: PolicyPack) -> Settlement:
    assert pack.settlement is not None
    return pack.settlement


def revalidated(pack: PolicyPack) -> PolicyPack:
    """A test variant passes the same validation as a shipped pack (model_copy alone does not validate)."""
    return PolicyPack.model_validate(pack.model_dump())


# --- critical illness: full deductible vs the tilt ----------------------------------------------------


def test_tekun_deductible_halved_and_ratio_plus_5_points() -> None:
    # 特困 person 冉某, inpatient: in-catalog 50,000.00; basic paid 25,000.00 → self-pay 25,000.00.
    # Critical illness (tilt): deductible 17,833.00 × 50% = 8,916.50; (25,000.00 − 8,916.50) = 16,083.50 × 0.65
    #   = 10,454.275 → 10,454.28.
    # Assistance (特困 ≥ 80%): (25,000.00 − 10,454.28) = 14,545.72 × 0.80 = 11,636.576 → 11,636.58.
    # The person keeps 14,545.72 − 11,636.58 = 2,909.14.
    result = settle(PENGSHUI, claim("50000.00", "25000.00"), TEKUN, YearToDate())
    assert result.critical_illness == yuan("10454.28")
    assert result.medical_assistance == yuan("11636.58")
    assert result.burden == yuan("2909.14")
    crit = step(result, "critical_illness")
    assert (crit.pack_id, crit.rule_id, crit.base, crit.ratio) == (
        PACK_ID,
        "critical_illness.tilt",
        yuan("16083.50"),
        yuan("0.65"),
    )
    assert "8916.50" in crit.note
    assist = step(result, "medical_assistance")
    assert (assist.pack_id, assist.rule_id, assist.base, assist.ratio) == (
        PACK_ID,
        "pengshui-2024-core",
        yuan("14545.72"),
        yuan("0.80"),
    )
    assert result.paid_by_others + result.burden == yuan("50000.00")


def test_ordinary_resident_full_deductible_and_60_percent() -> None:
    # Ordinary resident 向某, the same stay: deductible 17,833.00; (25,000.00 − 17,833.00) = 7,167.00 × 0.60
    # = 4,300.20. No assistance group → 0. The person keeps 25,000.00 − 4,300.20 = 20,699.80.
    # The 0.60 is 政策范围内支付比例稳定在60%左右, a target read as the base ratio: the step names it unconfirmed.
    result = settle(PENGSHUI, claim("50000.00", "25000.00"), ORDINARY, YearToDate())
    assert result.critical_illness == yuan("4300.20")
    assert result.medical_assistance == yuan("0.00")
    assert result.funding is None
    assert result.burden == yuan("20699.80")
    crit = step(result, "critical_illness")
    assert (crit.pack_id, crit.rule_id, crit.base, crit.ratio) == (
        PACK_ID,
        "critical_illness",
        yuan("7167.00"),
        yuan("0.60"),
    )
    assert "17833.00" in crit.note
    ratio = next(v for v in crit.values if v.path == "settlement.critical_illness.ratio")
    assert (ratio.pack_id, ratio.status, ratio.value) == (PACK_ID, Status.UNCONFIRMED, "0.60")
    assert "60%左右" in ratio.source


@pytest.mark.parametrize("category", [Category.TEKUN, Category.DIBAO, Category.RETURNED_TO_POVERTY])
def test_tilt_has_no_cap(category: Category) -> None:
    # 不设封顶线: even with 1,000,000.00 of critical illness paid already this year (and the deductible long
    # passed), a further self-pay of 100,000.00 (in-catalog 200,000.00, basic 100,000.00) gets 65% = 65,000.00;
    # assistance 35,000.00 × 80% = 28,000.00; the person keeps 7,000.00.
    ytd = YearToDate(critical_base=yuan("2000000.00"), critical_paid=yuan("1000000.00"))
    result = settle(PENGSHUI, claim("200000.00", "100000.00"), frozenset({category}), ytd)
    assert result.critical_illness == yuan("65000.00")
    assert result.medical_assistance == yuan("28000.00")
    assert result.burden == yuan("7000.00")
    assert result.year_to_date.critical_paid == yuan("1065000.00")
    assert_rules(result, "critical_illness.tilt", "pengshui-2024-core")


def test_self_pay_exactly_at_the_halved_deductible_pays_nothing_yet() -> None:
    # 特困: self-pay 8,916.50 (in-catalog 18,916.50, basic 10,000.00): nothing above the deductible → 0.00
    # critical; assistance 8,916.50 × 0.80 = 7,133.20; keeps 1,783.30.
    result = settle(PENGSHUI, claim("18916.50", "10000.00"), TEKUN, YearToDate())
    assert result.critical_illness == yuan("0.00")
    assert result.medical_assistance == yuan("7133.20")
    assert result.burden == yuan("1783.30")
    assert result.year_to_date.critical_base == yuan("8916.50")
    assert_rules(result, "critical_illness.tilt", "pengshui-2024-core")


# --- the deductible runs over the year -----------------------------------------------------------------


def test_deductible_accumulates_over_the_year_tekun() -> None:
    # 特困, two stays in 2024 (halved deductible 8,916.50, ratio 0.65):
    # Stay 1: in-catalog 20,000.00, basic 8,000.00 → self-pay 12,000.00; over the deductible 12,000.00 − 8,916.50
    #   = 3,083.50 × 0.65 = 2,004.275 → 2,004.28; assistance (12,000.00 − 2,004.28) = 9,995.72 × 0.80 = 7,996.576
    #   → 7,996.58; keeps 1,999.14.
    # Stay 2: in-catalog 25,000.00, basic 15,000.00 → self-pay 10,000.00, the year's total 22,000.00 already starts
    #   above the deductible, so all of it counts: 10,000.00 × 0.65 = 6,500.00; assistance 3,500.00 × 0.80 =
    #   2,800.00; keeps 700.00.
    first = settle(PENGSHUI, claim("20000.00", "8000.00", on=date(2024, 3, 1)), TEKUN, YearToDate())
    assert (first.critical_illness, first.medical_assistance, first.burden) == (
        yuan("2004.28"),
        yuan("7996.58"),
        yuan("1999.14"),
    )
    assert step(first, "critical_illness").base == yuan("3083.50")
    assert_rules(first, "critical_illness.tilt", "pengshui-2024-core")
    assert first.year_to_date.critical_base == yuan("12000.00")
    second = settle(PENGSHUI, claim("25000.00", "15000.00", on=date(2024, 8, 1)), TEKUN, first.year_to_date)
    assert (second.critical_illness, second.medical_assistance, second.burden) == (
        yuan("6500.00"),
        yuan("2800.00"),
        yuan("700.00"),
    )
    assert step(second, "critical_illness").base == yuan("10000.00")
    assert second.year_to_date.critical_base == yuan("22000.00")
    assert second.year_to_date.critical_paid == yuan("8504.28")
    assert second.year_to_date.assistance_paid == yuan("10796.58")
    assert_rules(second, "critical_illness.tilt", "pengshui-2024-core")


def test_deductible_accumulates_over_the_year_ordinary_resident() -> None:
    # Ordinary resident, the same two stays (deductible 17,833.00, ratio 0.60):
    # Stay 1: self-pay 12,000.00 < 17,833.00 → 0.00; keeps 12,000.00.
    # Stay 2: the year's self-pay becomes 22,000.00; only 22,000.00 − 17,833.00 = 4,167.00 is above →
    #   4,167.00 × 0.60 = 2,500.20; keeps 10,000.00 − 2,500.20 = 7,499.80.
    first = settle(PENGSHUI, claim("20000.00", "8000.00", on=date(2024, 3, 1)), ORDINARY, YearToDate())
    assert (first.critical_illness, first.burden) == (yuan("0.00"), yuan("12000.00"))
    second = settle(PENGSHUI, claim("25000.00", "15000.00", on=date(2024, 8, 1)), ORDINARY, first.year_to_date)
    assert (second.critical_illness, second.burden) == (yuan("2500.20"), yuan("7499.80"))
    assert step(second, "critical_illness").base == yuan("4167.00")
    assert_rules(first, "critical_illness", None)
    assert_rules(second, "critical_illness", None)


def test_critical_paid_sent_by_the_settlement_system_is_used_as_is() -> None:
    # When the settlement system sends critical_paid (3,000.00), the pack's rule is not applied: 特困, in-catalog
    # 50,000.00, basic 25,000.00, critical 3,000.00 → assistance 22,000.00 × 0.80 = 17,600.00; keeps 4,400.00.
    result = settle(PENGSHUI, claim("50000.00", "25000.00", critical_paid="3000.00"), TEKUN, YearToDate())
    assert result.critical_illness == yuan("3000.00")
    assert_rules(result, "as-settled", "pengshui-2024-core")
    assert result.medical_assistance == yuan("17600.00")
    assert result.burden == yuan("4400.00")


# --- assistance: ≥ 80% for 特困/低保/返贫致贫, ≥ 70% for the other low-income groups -----------------------


@pytest.mark.parametrize("category", [Category.TEKUN, Category.DIBAO, Category.RETURNED_TO_POVERTY])
def test_core_groups_assisted_at_80_percent(category: Category) -> None:
    # Same stay as above, all three have the tilt: critical 10,454.28; assistance 14,545.72 × 0.80 = 11,636.58.
    result = settle(PENGSHUI, claim("50000.00", "25000.00"), frozenset({category}), YearToDate())
    assert (result.critical_illness, result.medical_assistance, result.burden) == (
        yuan("10454.28"),
        yuan("11636.58"),
        yuan("2909.14"),
    )
    assert_rules(result, "critical_illness.tilt", "pengshui-2024-core")
    assert result.funding == "medical_assistance_fund"


@pytest.mark.parametrize(
    "category",
    [Category.DIBAO_EDGE, Category.UNSTABLE_OUT_OF_POVERTY, Category.EDGE_OF_POVERTY, Category.SUDDEN_HARDSHIP],
)
def test_other_low_income_assisted_at_70_percent_without_the_tilt(category: Category) -> None:
    # No tilt: critical 4,300.20 (as for an ordinary resident); assistance (25,000.00 − 4,300.20) = 20,699.80
    # × 0.70 = 14,489.86; keeps 20,699.80 − 14,489.86 = 6,209.94.
    result = settle(PENGSHUI, claim("50000.00", "25000.00"), frozenset({category}), YearToDate())
    assert (result.critical_illness, result.medical_assistance, result.burden) == (
        yuan("4300.20"),
        yuan("14489.86"),
        yuan("6209.94"),
    )
    s = step(result, "medical_assistance")
    assert (s.pack_id, s.rule_id, s.ratio) == (PACK_ID, "pengshui-2024-other-low-income", yuan("0.70"))
    assert step(result, "critical_illness").rule_id == "critical_illness"


@pytest.mark.parametrize("category", [Category.STABLE_OUT_OF_POVERTY, Category.SERIOUS_ILLNESS_POOR])
def test_groups_outside_the_seven_low_income_get_no_assistance(category: Category) -> None:
    # 稳定脱贫 and 因病致贫重病患者 are not among the 7 low-income categories: critical 4,300.20, no assistance,
    # keeps 20,699.80.
    result = settle(PENGSHUI, claim("50000.00", "25000.00"), frozenset({category}), YearToDate())
    assert result.medical_assistance == yuan("0.00")
    assert result.burden == yuan("20699.80")
    assert_rules(result, "critical_illness", None)


def test_dibao_and_dibao_edge_takes_the_80_percent_group() -> None:
    # 低保 + 低保边缘: the 低保 group (80%, with the critical tilt) is the more favourable one.
    result = settle(
        PENGSHUI, claim("50000.00", "25000.00"), frozenset({Category.DIBAO, Category.DIBAO_EDGE}), YearToDate()
    )
    assert result.medical_assistance == yuan("11636.58")
    assert_rules(result, "critical_illness.tilt", "pengshui-2024-core")


def test_chronic_outpatient_assisted_at_the_same_ratio() -> None:
    # 特困 chronic outpatient: in-catalog 3,000.00, basic 1,800.00 → self-pay 1,200.00, under the 8,916.50
    # deductible → critical 0.00; assistance 1,200.00 × 0.80 = 960.00; keeps 240.00.
    result = settle(PENGSHUI, claim("3000.00", "1800.00", visit=Visit.CHRONIC_OUTPATIENT), TEKUN, YearToDate())
    assert (result.critical_illness, result.medical_assistance, result.burden) == (
        yuan("0.00"),
        yuan("960.00"),
        yuan("240.00"),
    )
    assert_rules(result, "critical_illness.tilt", "pengshui-2024-core")


def test_yearly_limit_when_the_operator_sets_one() -> None:
    # Test variant: the pack's yearly assistance limit is a pending figure; with an operator limit of 10,000.00 for
    # the core group, 特困 with 8,000.00 already paid gets min(11,636.58, 2,000.00) = 2,000.00.
    limit = {"settlement.assistance[pengshui-2024-core].annual_limit": "10000.00"}
    variant = with_values(PENGSHUI, PACK_ID, limit, "test variant: the operator's limit")
    result = settle(variant, claim("50000.00", "25000.00"), TEKUN, YearToDate(assistance_paid=yuan("8000.00")))
    assert result.medical_assistance == yuan("2000.00")
    assert result.burden == yuan("12545.72")  # 14,545.72 − 2,000.00
    assert_rules(result, "critical_illness.tilt", "pengshui-2024-core")
    assert "限额" in step(result, "medical_assistance").note


# --- configuration errors: pending figures fail loudly -------------------------------------------------


def test_monitoring_standard_is_pending_and_raises_missing_figure() -> None:
    assert PENGSHUI.monitoring is not None
    rule = next(r for r in PENGSHUI.monitoring.rules if r.id == "pengshui-2024-low-income")
    with pytest.raises(MissingFigure, match="monitoring_standard"):
        PENGSHUI.amount(rule.threshold, 2024)


def test_critical_deductible_figure_without_a_value_raises_missing_figure() -> None:
    # Test variant: the deductible as a named figure nobody has set yet (as a pack would have it before the
    # 2024 notice). Settling a claim that needs it names the figure and the year — never a silent zero.
    s = settlement_of(PENGSHUI)
    assert s.critical_illness is not None
    pending = Figure(
        description="大病保险起付线",
        source="test variant",
        confirmed=False,
        pending="operator to set the deductible",
    )
    deductible = Sum(figure="critical_deductible", status=Status.CONFIRMED, source="test variant")
    critical = s.critical_illness.model_copy(update={"deductible": deductible})
    variant = revalidated(
        PENGSHUI.model_copy(
            update={
                "figures": {**PENGSHUI.figures, "critical_deductible": pending},
                "settlement": s.model_copy(update={"critical_illness": critical}),
            }
        )
    )
    with pytest.raises(MissingFigure, match=r"critical_deductible.*2024"):
        settle(variant, claim("50000.00", "25000.00"), TEKUN, YearToDate())
    # With critical_paid sent, the figure is not needed and the claim settles.
    ok = settle(variant, claim("50000.00", "25000.00", critical_paid="0.00"), TEKUN, YearToDate())
    assert ok.medical_assistance == yuan("20000.00")  # 25,000.00 × 0.80


def test_settle_with_a_pack_without_settlement_rules_raises() -> None:
    # shanxi-2022 has monitoring and referral only.
    shanxi = BOOK.get("shanxi-2022")
    assert shanxi.settlement is None
    with pytest.raises(EngineError) as caught:
        settle(shanxi, claim("1000.00", "500.00", critical_paid="0.00"), TEKUN, YearToDate())
    assert "shanxi-2022" in str(caught.value)
    assert caught.value.rule == "settlement_rules"
    with pytest.raises(EngineError):
        settle(shanxi, ClaimCost(date(2024, 5, 1), Visit.INPATIENT, yuan("1000.00")), TEKUN, YearToDate())


def test_the_shipped_pack_names_the_missing_yearly_assistance_limit() -> None:
    # The seed: 确保年度救助限额内 … 不低于80% — a limit exists but is not given; no silent "no cap".
    with pytest.raises(MissingFigure, match=r"assistance_annual_limit.*2024"):
        settle(SHIPPED, claim("50000.00", "25000.00"), TEKUN, YearToDate())


def test_the_shipped_pack_names_the_pending_critical_illness_cap_of_the_untilted() -> None:
    # Ordinary resident: the seed sets 不设封顶线 for the tilted groups only, so the others have a cap it does not
    # quote. Before, null read as "no cap"; now the settlement names it. The tilted groups need no cap (see
    # test_tilt_has_no_cap), and a claim whose critical illness the settlement system sent needs none either.
    with pytest.raises(PendingValue) as caught:
        settle(SHIPPED, claim("50000.00", "25000.00"), ORDINARY, YearToDate())
    assert (caught.value.pack_id, caught.value.path) == (PACK_ID, "settlement.critical_illness.annual_cap")
    sent = settle(SHIPPED, claim("50000.00", "25000.00", critical_paid="4300.20"), ORDINARY, YearToDate())
    assert sent.burden == yuan("20699.80")


def test_the_shipped_pack_names_the_pending_tilted_line_not_zero() -> None:
    # 低保边缘 (no critical tilt, other low-income group 70%), with the yearly limit set (PENGSHUI's figure) but
    # the 倾斜救助 values as shipped: critical sent 4,300.20; assistance 20,699.80 × 0.70 = 14,489.86; 6,209.94 is
    # left, so 倾斜救助 must decide, and its line is pending — a named problem, where it used to pay 0.00.
    shipped_tilt = PENGSHUI.model_copy(update={"settlement": SHIPPED.settlement})
    with pytest.raises(PendingValue) as caught:
        settle(
            shipped_tilt,
            claim("50000.00", "25000.00", critical_paid="4300.20"),
            frozenset({Category.DIBAO_EDGE}),
            YearToDate(),
        )
    assert (caught.value.pack_id, caught.value.path) == (PACK_ID, "settlement.tilted.threshold")
