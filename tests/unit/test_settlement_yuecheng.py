"""越城 (yuecheng-2022) through the engine: the 20,000 ordinary-outpatient sub-limit inside the 100,000 yearly
limit, ordinary outpatient at the inpatient ratio, and the 6 months before identification.

The ratios (特困 1.00, 低保 0.80, 低边 0.70) are the pack's operator values (the seed refers to the province's
ratios), marked unconfirmed, and every settlement that uses one names it; the limits are the seed's, except
特困供养's, which the seed does not give (pending). No `basic` or `critical_illness` section: claims carry both
tier amounts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.categories import Category
from libs.common.policy import PolicyPack, load_book
from libs.common.policy.explanation import Step
from libs.common.policy.settlement import Visit
from libs.common.policy.values import PendingValue, Status
from services.assistance.domain.application import retroactive_window
from services.assistance.domain.settlement import ClaimCost, Result, YearToDate, settle
from tests.pack_variants import with_values

PACK_ID = "yuecheng-2022"
YUECHENG: PolicyPack = load_book(Path(__file__).parents[2] / "policies").get(PACK_ID)

DIBAO = frozenset({Category.DIBAO})


def yuan(text: str) -> Decimal:
    return Decimal(text)


def claim(
    in_catalog: str, basic_paid: str, critical_paid: str = "0.00", *, visit: Visit, on: date = date(2022, 6, 1)
) -> ClaimCost:
    return ClaimCost(
        settlement_date=on,
        visit=visit,
        in_catalog=yuan(in_catalog),
        basic_paid=yuan(basic_paid),
        critical_paid=yuan(critical_paid),
    )


def assistance_step(result: Result) -> Step:
    (s,) = [s for s in result.steps if s.tier == "medical_assistance"]
    return s


def test_outpatient_sub_limit_then_inpatient_from_the_rest_of_the_yearly_limit() -> None:
    # 低保 person 陈某 in 越城, 2022. Ordinary outpatient claims, each: in-catalog 20,000.00, basic 8,000.00,
    # critical 0 → self-pay 12,000.00 × 80% (the inpatient ratio) = 9,600.00.
    #   outpatient 1: 9,600.00            (ordinary outpatient so far 9,600.00)
    #   outpatient 2: 9,600.00            (19,200.00)
    #   outpatient 3: 9,600.00, but only 20,000.00 − 19,200.00 = 800.00 of the sub-limit is left → 800.00
    #   outpatient 4: 0.00 (sub-limit used up; the person keeps all 12,000.00)
    # Inpatient stays, each: in-catalog 200,000.00, basic 120,000.00, critical 20,000.00 → self-pay 60,000.00
    # × 80% = 48,000.00:
    #   inpatient 1: 48,000.00 (yearly limit left 100,000.00 − 20,000.00 = 80,000.00) → yearly total 68,000.00
    #   inpatient 2: 48,000.00 but only 32,000.00 left → 32,000.00; keeps 28,000.00 → yearly total 100,000.00
    #   inpatient 3: 0.00
    ytd = YearToDate()
    outpatient = []
    for month in (2, 3, 4, 5):
        r = settle(YUECHENG, claim("20000.00", "8000.00", visit=Visit.OUTPATIENT, on=date(2022, month, 1)), DIBAO, ytd)
        s = assistance_step(r)
        assert (s.pack_id, s.rule_id) == (PACK_ID, "yuecheng-2022-dibao")
        outpatient.append(r.medical_assistance)
        ytd = r.year_to_date
    assert outpatient == [yuan("9600.00"), yuan("9600.00"), yuan("800.00"), yuan("0.00")]
    assert r.burden == yuan("12000.00")
    assert (ytd.assistance_paid, ytd.outpatient_assistance_paid) == (yuan("20000.00"), yuan("20000.00"))

    inpatient = []
    for month in (7, 9, 11):
        r = settle(
            YUECHENG,
            claim("200000.00", "120000.00", "20000.00", visit=Visit.INPATIENT, on=date(2022, month, 1)),
            DIBAO,
            ytd,
        )
        assert assistance_step(r).rule_id == "yuecheng-2022-dibao"
        inpatient.append(r.medical_assistance)
        if month == 9:
            assert r.burden == yuan("28000.00")
            assert "限额" in assistance_step(r).note
        ytd = r.year_to_date
    assert inpatient == [yuan("48000.00"), yuan("32000.00"), yuan("0.00")]
    assert ytd.assistance_paid == yuan("100000.00")
    assert ytd.outpatient_assistance_paid == yuan("20000.00")  # inpatient does not count toward the sub-limit


def test_chronic_outpatient_counts_as_inpatient_not_against_the_outpatient_sub_limit() -> None:
    # 门诊规定病种 counts as inpatient: with the 20,000.00 ordinary-outpatient sub-limit used up, a 低保
    # chronic-disease visit (in-catalog 5,000.00, basic 3,000.00 → 2,000.00 × 80% = 1,600.00) is still paid.
    ytd = YearToDate(assistance_paid=yuan("20000.00"), outpatient_assistance_paid=yuan("20000.00"))
    r = settle(YUECHENG, claim("5000.00", "3000.00", visit=Visit.CHRONIC_OUTPATIENT), DIBAO, ytd)
    assert r.medical_assistance == yuan("1600.00")
    assert r.year_to_date.outpatient_assistance_paid == yuan("20000.00")


def test_a_settlement_names_the_unconfirmed_ratio_it_used() -> None:
    # 低保 陈某, inpatient: in-catalog 20,000.00, basic 8,000.00, critical 0 → self-pay 12,000.00 × 0.80
    # = 9,600.00; keeps 2,400.00. The 0.80 is the operator's (the seed says 按相应比例救助 without a number),
    # so the explanation names it: pack, path, status, source. The 100,000.00 limit is the seed's: not named.
    r = settle(YUECHENG, claim("20000.00", "8000.00", visit=Visit.INPATIENT), DIBAO, YearToDate())
    assert (r.medical_assistance, r.burden) == (yuan("9600.00"), yuan("2400.00"))
    (used,) = assistance_step(r).values
    assert (used.pack_id, used.path, used.status, used.value) == (
        PACK_ID,
        "settlement.assistance[yuecheng-2022-dibao].ratios.inpatient",
        Status.UNCONFIRMED,
        "0.80",
    )
    assert "to confirm" in used.source
    assert r.used_values == (used,)


def test_tekun_limits_are_pending_not_unlimited() -> None:
    # 除特困供养人员外救助限额为每人每年10万元: 特困供养 share a yearly limit the seed does not give. Before, null read
    # as "no limit" and an outpatient visit (self-pay 600.00) was paid in full whatever the year had paid; now the
    # settlement names the pending limit and who sets it.
    with pytest.raises(PendingValue) as caught:
        settle(YUECHENG, claim("1000.00", "400.00", visit=Visit.OUTPATIENT), frozenset({Category.TEKUN}), YearToDate())
    assert (caught.value.pack_id, caught.value.path) == (
        PACK_ID,
        "settlement.assistance[yuecheng-2022-tekun].annual_limit",
    )
    assert "区医保分局" in str(caught.value)


def test_tekun_without_limits_once_the_operator_writes_unlimited() -> None:
    # Test variant: the operator writes `unlimited` for 特困供养's yearly limit and sub-limit. With 150,000.00 already
    # paid (30,000.00 of it ordinary outpatient), an outpatient visit with self-pay 600.00 × 1.00 is paid in full:
    # 600.00, and the explanation names both `unlimited`s and the 1.00 as unconfirmed.
    tekun = "settlement.assistance[yuecheng-2022-tekun]"
    variant = with_values(
        YUECHENG,
        PACK_ID,
        {f"{tekun}.annual_limit": "unlimited", f"{tekun}.outpatient_limit": "unlimited"},
        "test variant: the operator's decision",
    )
    ytd = YearToDate(assistance_paid=yuan("150000.00"), outpatient_assistance_paid=yuan("30000.00"))
    r = settle(variant, claim("1000.00", "400.00", visit=Visit.OUTPATIENT), frozenset({Category.TEKUN}), ytd)
    assert r.medical_assistance == yuan("600.00")
    assert r.burden == yuan("0.00")
    assert [(v.path, v.value) for v in assistance_step(r).values] == [
        (f"{tekun}.ratios.outpatient", "1.00"),
        (f"{tekun}.annual_limit", "unlimited"),
        (f"{tekun}.outpatient_limit", "unlimited"),
    ]


@pytest.mark.parametrize(
    ("category", "rule_id", "expected"),
    [
        # in-catalog 1,000.00, basic 400.00, critical 0 → self-pay 600.00 (特困: see the two tests above)
        (Category.DIBAO, "yuecheng-2022-dibao", "480.00"),  # × 0.80
        (Category.DIBAO_EDGE, "yuecheng-2022-dibao-edge", "420.00"),  # × 0.70
    ],
)
def test_ordinary_outpatient_assisted_at_the_inpatient_ratio(category: Category, rule_id: str, expected: str) -> None:
    # 普通门诊…与住院同比例救助: the same 600.00 self-pay gets the same assistance as an outpatient visit and as
    # an inpatient stay.
    held = frozenset({category})
    out = settle(YUECHENG, claim("1000.00", "400.00", visit=Visit.OUTPATIENT), held, YearToDate())
    inp = settle(YUECHENG, claim("1000.00", "400.00", visit=Visit.INPATIENT), held, YearToDate())
    assert out.medical_assistance == inp.medical_assistance == yuan(expected)
    assert assistance_step(out).rule_id == assistance_step(inp).rule_id == rule_id
    assert assistance_step(out).ratio == assistance_step(inp).ratio


def test_dibao_edge_shares_the_same_limits() -> None:
    # 低边 with 19,900.00 of ordinary-outpatient assistance this year: outpatient self-pay 600.00 × 0.70 = 420.00,
    # but only 100.00 of the sub-limit is left → 100.00; keeps 500.00.
    ytd = YearToDate(assistance_paid=yuan("19900.00"), outpatient_assistance_paid=yuan("19900.00"))
    r = settle(YUECHENG, claim("1000.00", "400.00", visit=Visit.OUTPATIENT), frozenset({Category.DIBAO_EDGE}), ytd)
    assert r.medical_assistance == yuan("100.00")
    assert r.burden == yuan("500.00")


# --- 认定前6个月 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "identified_on", "first_day"),
    [
        (Category.DIBAO, date(2022, 8, 31), date(2022, 2, 28)),  # 31 Aug − 6 months: February has 28 days
        (Category.DIBAO_EDGE, date(2024, 8, 31), date(2024, 2, 29)),  # leap year
        (Category.DIBAO, date(2022, 12, 15), date(2022, 6, 15)),
        (Category.DIBAO_EDGE, date(2023, 3, 31), date(2022, 9, 30)),  # across the new year, 30-day September
        (Category.DIBAO, date(2022, 6, 30), date(2021, 12, 30)),
    ],
)
def test_six_months_before_identification(category: Category, identified_on: date, first_day: date) -> None:
    window = retroactive_window(YUECHENG, category, identified_on)
    assert window is not None
    rule, start, end = window
    assert (rule.id, start, end) == ("yuecheng-2022-six-months", first_day, identified_on)
    assert rule.in_policy_only  # 政策范围内医疗费用 only


@pytest.mark.parametrize("category", [Category.TEKUN, Category.RETURNED_TO_POVERTY, Category.OTHER_RESIDENT])
def test_no_window_for_categories_other_than_dibao_and_dibao_edge(category: Category) -> None:
    assert retroactive_window(YUECHENG, category, date(2022, 8, 31)) is None
