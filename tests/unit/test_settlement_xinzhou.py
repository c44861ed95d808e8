"""忻州 (xinzhou-2022) through the three-tier engine: worked examples, each computed by hand in its comment.

The pack has no `basic` and no `critical_illness` section (the seed gives neither the base ratios nor the
deductible), so every claim carries what basic insurance and critical illness insurance actually paid
(`basic_paid`, `critical_paid`); the engine settles medical assistance, the out-of-catalog caps and the
85% out-of-catalog assistance on top. Application-based assistance (依申请救助) is at the end.

The shipped pack leaves three things pending that the seed does not give: the province's yearly assistance limit
for 特困 and for 返贫致贫 (门诊和住院救助共用年度救助限额, not quoted) and the 倾斜救助 line, ratio and limit. A claim
that needs one answers a problem naming it (the first tests below). The worked examples run on a test variant
where an operator has set them: no yearly limit for 特困 and 返贫致贫, and a 倾斜救助 line of 1,000,000.00, high
enough never to be reached by these examples — so their hand calculations are the three tiers' alone.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.categories import Category
from libs.common.policy import PolicyPack, load_book
from libs.common.policy.explanation import EngineError, Step
from libs.common.policy.settlement import HospitalClass, Visit
from libs.common.policy.values import PendingValue, Status
from services.assistance.domain.application import application_assistance
from services.assistance.domain.settlement import ClaimCost, Result, YearToDate, settle
from tests.pack_variants import with_values

PACK_ID = "xinzhou-2022"
SHIPPED: PolicyPack = load_book(Path(__file__).parents[2] / "policies").get(PACK_ID)
OPERATOR_SET = {
    "settlement.assistance[xinzhou-2022-tekun].annual_limit": "unlimited",
    "settlement.assistance[xinzhou-2022-returned-to-poverty].annual_limit": "unlimited",
    "settlement.tilted.threshold": "1000000.00",
    "settlement.tilted.ratio": "0.50",
    "settlement.tilted.annual_limit": "unlimited",
}
XINZHOU: PolicyPack = with_values(SHIPPED, PACK_ID, OPERATOR_SET, "test variant: the operator's values")

TEKUN = frozenset({Category.TEKUN})
DIBAO = frozenset({Category.DIBAO})
RETURNED = frozenset({Category.RETURNED_TO_POVERTY})


def yuan(text: str) -> Decimal:
    return Decimal(text)


def claim(
    in_catalog: str,
    basic_paid: str,
    critical_paid: str = "0.00",
    *,
    visit: Visit = Visit.INPATIENT,
    out_of_catalog: str = "0.00",
    hospital_class: HospitalClass | None = None,
    in_province: bool = True,
    on: date = date(2022, 6, 1),
) -> ClaimCost:
    return ClaimCost(
        settlement_date=on,
        visit=visit,
        in_catalog=yuan(in_catalog),
        out_of_catalog=yuan(out_of_catalog),
        hospital_class=hospital_class,
        in_province=in_province,
        basic_paid=yuan(basic_paid),
        critical_paid=yuan(critical_paid),
    )


def step(result: Result, tier: str) -> Step:
    found = [s for s in result.steps if s.tier == tier]
    assert len(found) == 1, f"expected one {tier} step, got {result.steps}"
    return found[0]


def assert_assistance_step(result: Result, rule_id: str) -> None:
    s = step(result, "medical_assistance")
    assert (s.pack_id, s.rule_id, s.amount) == (PACK_ID, rule_id, result.medical_assistance)


def assert_adds_up(result: Result) -> None:
    assert result.paid_by_others + result.burden == result.total


# --- the shipped pack: a value it needs and does not have is a named problem -------------------------


@pytest.mark.parametrize(
    ("held", "path"),
    [
        (TEKUN, "settlement.assistance[xinzhou-2022-tekun].annual_limit"),
        (RETURNED, "settlement.assistance[xinzhou-2022-returned-to-poverty].annual_limit"),
    ],
)
def test_yearly_limit_of_tekun_and_returned_is_pending_not_unlimited(held: frozenset[Category], path: str) -> None:
    # 门诊和住院救助共用年度救助限额 under 全省统一的医疗救助待遇政策: a limit exists, the seed does not quote it.
    # Before, null read as "no limit" and this stay (self-pay 35,000.00) was assisted with no cap at all.
    with pytest.raises(PendingValue) as caught:
        settle(SHIPPED, claim("100000.00", "50000.00", "15000.00"), held, YearToDate())
    assert (caught.value.pack_id, caught.value.path) == (PACK_ID, path)
    assert "市医保局" in str(caught.value)  # who must set it


def test_tilted_assistance_with_a_pending_line_is_a_named_problem_not_zero() -> None:
    # 低保, in-catalog 10,000.00, basic 6,000.00 → self-pay 4,000.00 × 70% = 2,800.00; 1,200.00 is left after the
    # three tiers, so 倾斜救助 has to decide — without its line it cannot, and it no longer pays a silent 0.00.
    with pytest.raises(PendingValue) as caught:
        settle(SHIPPED, claim("10000.00", "6000.00"), DIBAO, YearToDate())
    assert (caught.value.pack_id, caught.value.path) == (PACK_ID, "settlement.tilted.threshold")
    # Nothing left after the three tiers (basic paid it all): the tilt is not needed, and the claim settles.
    paid = settle(SHIPPED, claim("10000.00", "10000.00"), DIBAO, YearToDate())
    assert (paid.medical_assistance, paid.tilted, paid.burden) == (yuan("0.00"), yuan("0.00"), yuan("0.00"))


def test_the_unconfirmed_100_percent_for_tekun_is_named_in_the_explanation() -> None:
    # 由医疗救助给予保障 read as 100%: in-catalog 10,000.00, basic 6,000.00 → 4,000.00 × 1.00 = 4,000.00. The
    # step names the ratio as unconfirmed; the operator's (test variant's) no-limit is named too.
    result = settle(XINZHOU, claim("10000.00", "6000.00"), TEKUN, YearToDate())
    assert result.medical_assistance == yuan("4000.00")
    named = {v.path: v for v in step(result, "medical_assistance").values}
    ratio = named["settlement.assistance[xinzhou-2022-tekun].ratios.inpatient"]
    assert (ratio.pack_id, ratio.status, ratio.value) == (PACK_ID, Status.UNCONFIRMED, "1.00")
    assert "由医疗救助给予保障" in ratio.source
    assert named["settlement.assistance[xinzhou-2022-tekun].annual_limit"].value == "unlimited"


# --- 低保: 70%, yearly limit 60,000 shared over the year ----------------------------------------------


def test_dibao_yearly_cap_of_60000_bites_on_the_third_inpatient_claim() -> None:
    # 低保 person 王某 in 忻州, three inpatient stays in 2022, each: in-catalog 100,000.00; basic insurance paid
    # 50,000.00, critical illness 15,000.00 → in-catalog self-pay 35,000.00; 70% = 24,500.00.
    #   claim 1: 24,500.00                      (year so far 24,500.00)
    #   claim 2: 24,500.00                      (year so far 49,000.00)
    #   claim 3: 70% = 24,500.00 but only 60,000.00 − 49,000.00 = 11,000.00 is left → 11,000.00;
    #            the person keeps 35,000.00 − 11,000.00 = 24,000.00.
    ytd = YearToDate()
    paid = []
    for month in (3, 6, 9):
        result = settle(XINZHOU, claim("100000.00", "50000.00", "15000.00", on=date(2022, month, 1)), DIBAO, ytd)
        assert_assistance_step(result, "xinzhou-2022-dibao")
        assert_adds_up(result)
        paid.append(result.medical_assistance)
        ytd = result.year_to_date
    assert paid == [yuan("24500.00"), yuan("24500.00"), yuan("11000.00")]
    assert result.burden == yuan("24000.00")
    assert result.funding == "medical_assistance_fund"
    assert ytd.assistance_paid == yuan("60000.00")
    assert "限额" in step(result, "medical_assistance").note
    # A fourth stay that year: nothing left under the limit.
    fourth = settle(XINZHOU, claim("100000.00", "50000.00", "15000.00", on=date(2022, 11, 1)), DIBAO, ytd)
    assert fourth.medical_assistance == yuan("0.00")
    assert fourth.burden == yuan("35000.00")


def test_dibao_outpatient_and_inpatient_share_the_yearly_limit() -> None:
    # 低保 person with 59,500.00 of assistance already this year (inpatient). A chronic-disease outpatient visit:
    # in-catalog 5,000.00, basic 3,000.00 → self-pay 2,000.00 × 30% = 600.00, but only 500.00 is left → 500.00.
    ytd = YearToDate(assistance_paid=yuan("59500.00"))
    result = settle(XINZHOU, claim("5000.00", "3000.00", visit=Visit.CHRONIC_OUTPATIENT), DIBAO, ytd)
    assert result.medical_assistance == yuan("500.00")
    assert result.burden == yuan("1500.00")
    assert result.year_to_date.assistance_paid == yuan("60000.00")
    assert_assistance_step(result, "xinzhou-2022-dibao")


# --- 返贫致贫: 70%, topped up to a 90% comprehensive ratio for in-province stays -----------------------


def test_returned_to_poverty_in_province_stay_is_topped_up_to_90_percent() -> None:
    # 返贫致贫 person 李某, in-province inpatient stay: in-catalog 100,000.00; basic 50,000.00, critical 10,000.00
    # → self-pay 40,000.00; 70% = 28,000.00 → basic + critical + assistance = 88,000.00 = 88% < 90%.
    # Top-up to 90%: 90,000.00 − 50,000.00 − 10,000.00 = 30,000.00 of assistance; the person keeps 10,000.00.
    result = settle(XINZHOU, claim("100000.00", "50000.00", "10000.00"), RETURNED, YearToDate())
    assert result.medical_assistance == yuan("30000.00")
    assert result.basic + result.critical_illness + result.medical_assistance == yuan("90000.00")
    assert result.burden == yuan("10000.00")
    assert_assistance_step(result, "xinzhou-2022-returned-to-poverty")
    assert "0.90" in step(result, "medical_assistance").note
    assert_adds_up(result)


def test_returned_to_poverty_same_stay_out_of_province_gets_no_top_up() -> None:
    # The same stay out of province (省内住院 only): 70% of 40,000.00 = 28,000.00; comprehensive 88%; burden 12,000.00.
    result = settle(XINZHOU, claim("100000.00", "50000.00", "10000.00", in_province=False), RETURNED, YearToDate())
    assert result.medical_assistance == yuan("28000.00")
    assert result.burden == yuan("12000.00")
    assert_assistance_step(result, "xinzhou-2022-returned-to-poverty")
    assert "0.90" not in step(result, "medical_assistance").note


def test_returned_to_poverty_already_above_90_percent_gets_plain_70_percent() -> None:
    # in-catalog 100,000.00; basic 70,000.00, critical 10,000.00 → self-pay 20,000.00 × 70% = 14,000.00;
    # 70,000 + 10,000 + 14,000 = 94,000.00 = 94% ≥ 90%: no top-up; burden 6,000.00.
    result = settle(XINZHOU, claim("100000.00", "70000.00", "10000.00"), RETURNED, YearToDate())
    assert result.medical_assistance == yuan("14000.00")
    assert result.burden == yuan("6000.00")
    assert_assistance_step(result, "xinzhou-2022-returned-to-poverty")


def test_returned_to_poverty_top_up_to_the_fen() -> None:
    # in-catalog 12,345.67; basic 6,000.00, critical 0 → self-pay 6,345.67 × 0.70 = 4,441.969 → 4,441.97;
    # 90% of 12,345.67 = 11,111.103 → 11,111.10; needed 11,111.10 − 6,000.00 = 5,111.10 > 4,441.97 → 5,111.10.
    # The person keeps 12,345.67 − 6,000.00 − 5,111.10 = 1,234.57.
    result = settle(XINZHOU, claim("12345.67", "6000.00"), RETURNED, YearToDate())
    assert result.medical_assistance == yuan("5111.10")
    assert result.burden == yuan("1234.57")
    assert_assistance_step(result, "xinzhou-2022-returned-to-poverty")


# --- 特困: 100% of the in-catalog self-pay ----------------------------------------------------------


def test_tekun_inpatient_in_catalog_self_pay_fully_assisted() -> None:
    # 特困 person 张某: in-catalog 30,000.00, out-of-catalog 2,000.00 at a 县级 hospital; basic 18,000.00,
    # critical 0 → in-catalog self-pay 12,000.00 × 100% = 12,000.00.
    # Out-of-catalog cap 15% × 32,000.00 = 4,800.00 ≥ 2,000.00: nothing hospital-borne; 特困 gets no 85%
    # out-of-catalog assistance (返贫致贫 only) → the person keeps the 2,000.00 self-expense.
    result = settle(
        XINZHOU,
        claim("30000.00", "18000.00", out_of_catalog="2000.00", hospital_class=HospitalClass.COUNTY_CLASS_2_3),
        TEKUN,
        YearToDate(assistance_paid=yuan("500000.00")),  # no yearly limit for 特困 (reading of 由医疗救助给予保障)
    )
    assert result.medical_assistance == yuan("12000.00")
    assert result.hospital_borne == yuan("0.00")
    assert result.out_of_catalog_assistance == yuan("0.00")
    assert result.burden == yuan("2000.00")
    assert_assistance_step(result, "xinzhou-2022-tekun")
    assert_adds_up(result)


# --- chronic-disease outpatient and special drugs -----------------------------------------------------


@pytest.mark.parametrize(
    ("held", "rule_id", "expected"),
    [
        # in-catalog 5,000.00, basic 3,000.00, critical 0 → remainder 2,000.00
        (TEKUN, "xinzhou-2022-tekun", "1200.00"),  # 特困 60% = 1,200.00
        (DIBAO, "xinzhou-2022-dibao", "600.00"),  # 低保 30% = 600.00
        (
            RETURNED,
            "xinzhou-2022-returned-to-poverty",
            "600.00",
        ),  # 返贫致贫 30% = 600.00 (no 90% floor: inpatient only)
    ],
)
def test_chronic_disease_outpatient_ratios(held: frozenset[Category], rule_id: str, expected: str) -> None:
    result = settle(XINZHOU, claim("5000.00", "3000.00", visit=Visit.CHRONIC_OUTPATIENT), held, YearToDate())
    assert result.medical_assistance == yuan(expected)
    assert result.burden == yuan("2000.00") - yuan(expected)
    assert_assistance_step(result, rule_id)
    assert step(result, "medical_assistance").ratio in {yuan("0.60"), yuan("0.30")}


@pytest.mark.parametrize(
    ("held", "rule_id", "expected"),
    [
        # special drug: in-catalog 40,000.00, basic 24,000.00, critical 6,000.00 → remainder 10,000.00
        (TEKUN, "xinzhou-2022-tekun", "2000.00"),  # 特困 20% = 2,000.00
        (DIBAO, "xinzhou-2022-dibao", "1000.00"),  # 低保 10% = 1,000.00
        (RETURNED, "xinzhou-2022-returned-to-poverty", "1000.00"),  # 返贫致贫 10% = 1,000.00
    ],
)
def test_special_drug_ratios(held: frozenset[Category], rule_id: str, expected: str) -> None:
    result = settle(XINZHOU, claim("40000.00", "24000.00", "6000.00", visit=Visit.SPECIAL_DRUG), held, YearToDate())
    assert result.medical_assistance == yuan(expected)
    assert result.burden == yuan("10000.00") - yuan(expected)
    assert_assistance_step(result, rule_id)


def test_ordinary_outpatient_has_no_ratio_in_xinzhou() -> None:
    # 各县要加大门诊医疗救助力度 — no ratio in the seed: a 特困 ordinary outpatient visit (in-catalog 300.00,
    # basic 150.00) gets no assistance; the step says so with amount 0.
    result = settle(XINZHOU, claim("300.00", "150.00", visit=Visit.OUTPATIENT), TEKUN, YearToDate())
    assert result.medical_assistance == yuan("0.00")
    assert result.burden == yuan("150.00")
    s = step(result, "medical_assistance")
    assert (s.pack_id, s.rule_id, s.ratio, s.amount) == (PACK_ID, "xinzhou-2022-tekun", None, yuan("0.00"))


# --- out-of-catalog caps (目录外控费) ----------------------------------------------------------------


def test_tekun_out_of_catalog_above_30_percent_at_province_class_1_is_hospital_borne() -> None:
    # 特困 at a 省内一类 hospital: in-catalog 60,000.00 + out-of-catalog 40,000.00 = total 100,000.00.
    # Cap 30% × 100,000.00 = 30,000.00 → 40,000.00 − 30,000.00 = 10,000.00 borne by the hospital.
    # Basic 36,000.00, critical 0 → in-catalog self-pay 24,000.00 × 100% = 24,000.00.
    # The person keeps the capped out-of-catalog 30,000.00 (no 85% assistance for 特困).
    result = settle(
        XINZHOU,
        claim("60000.00", "36000.00", out_of_catalog="40000.00", hospital_class=HospitalClass.PROVINCE_CLASS_1),
        TEKUN,
        YearToDate(),
    )
    assert result.hospital_borne == yuan("10000.00")
    assert result.medical_assistance == yuan("24000.00")
    assert result.out_of_catalog_assistance == yuan("0.00")
    assert result.burden == yuan("30000.00")
    s = step(result, "out_of_catalog")
    assert (s.pack_id, s.rule_id, s.ratio, s.amount) == (
        PACK_ID,
        "out_of_catalog.province_class_1",
        yuan("0.30"),
        yuan("10000.00"),
    )
    assert_adds_up(result)


def test_returned_to_poverty_out_of_catalog_within_cap_assisted_at_85_percent_in_province() -> None:
    # 返贫致贫 at a 省内一类 hospital: in-catalog 80,000.00 + out-of-catalog 20,000.00 = 100,000.00.
    # Cap 30% = 30,000.00 ≥ 20,000.00 → nothing hospital-borne; 20,000.00 × 85% = 17,000.00 assisted.
    # In-catalog: basic 56,000.00 → self-pay 24,000.00 × 70% = 16,800.00; 90% floor: 72,000.00 − 56,000.00 =
    # 16,000.00 < 16,800.00 → 16,800.00. The person keeps 7,200.00 + 3,000.00 = 10,200.00.
    result = settle(
        XINZHOU,
        claim("80000.00", "56000.00", out_of_catalog="20000.00", hospital_class=HospitalClass.PROVINCE_CLASS_1),
        RETURNED,
        YearToDate(),
    )
    assert result.hospital_borne == yuan("0.00")
    assert result.out_of_catalog_assistance == yuan("17000.00")
    assert result.medical_assistance == yuan("16800.00")
    assert result.burden == yuan("10200.00")
    s = step(result, "out_of_catalog_assistance")
    assert (s.pack_id, s.rule_id, s.base, s.ratio, s.amount) == (
        PACK_ID,
        "out_of_catalog.assisted",
        yuan("20000.00"),
        yuan("0.85"),
        yuan("17000.00"),
    )
    assert result.year_to_date.assistance_paid == yuan("33800.00")  # 16,800.00 + 17,000.00
    assert_adds_up(result)


def test_returned_to_poverty_at_county_hospital_capped_at_15_percent() -> None:
    # Same stay at a 县级二类/三类 hospital: cap 15% × 100,000.00 = 15,000.00 → 5,000.00 hospital-borne;
    # capped 15,000.00 × 85% = 12,750.00 assisted; in-catalog as above 16,800.00.
    # The person keeps 7,200.00 + (15,000.00 − 12,750.00) = 9,450.00.
    result = settle(
        XINZHOU,
        claim("80000.00", "56000.00", out_of_catalog="20000.00", hospital_class=HospitalClass.COUNTY_CLASS_2_3),
        RETURNED,
        YearToDate(),
    )
    assert result.hospital_borne == yuan("5000.00")
    assert result.out_of_catalog_assistance == yuan("12750.00")
    assert result.burden == yuan("9450.00")
    assert step(result, "out_of_catalog").rule_id == "out_of_catalog.county_class_2_3"
    assert_adds_up(result)


def test_out_of_catalog_exactly_at_the_cap_is_not_hospital_borne() -> None:
    # 低保 at a 省市级二类 hospital: in-catalog 80,000.00 + out-of-catalog 20,000.00; cap 20% × 100,000.00 =
    # 20,000.00: "不得超过" — equal is allowed, nothing borne. 低保 gets no 85% (返贫致贫 only). In-catalog: basic
    # 56,000.00 → self-pay 24,000.00 × 70% = 16,800.00. Keeps 20,000.00 out-of-catalog + 7,200.00 = 27,200.00.
    result = settle(
        XINZHOU,
        claim("80000.00", "56000.00", out_of_catalog="20000.00", hospital_class=HospitalClass.PROVINCE_CITY_CLASS_2),
        DIBAO,
        YearToDate(),
    )
    assert result.hospital_borne == yuan("0.00")
    assert result.out_of_catalog_assistance == yuan("0.00")
    assert result.medical_assistance == yuan("16800.00")
    assert result.burden == yuan("27200.00")
    assert_assistance_step(result, "xinzhou-2022-dibao")
    s = step(result, "out_of_catalog")
    assert (s.pack_id, s.rule_id, s.amount) == (PACK_ID, "out_of_catalog.province_city_class_2", yuan("0.00"))
    assert not [s for s in result.steps if s.tier == "out_of_catalog_assistance"]


def test_returned_to_poverty_out_of_province_gets_no_cap_and_no_85_percent() -> None:
    # Out of province: the fee classes (省内一类…) are Shanxi's, so no cap and nothing borne by the hospital;
    # no 85% (省内住院 only) and no 90% floor → in-catalog 16,800.00; the person keeps 7,200.00 + 20,000.00.
    result = settle(
        XINZHOU,
        claim(
            "80000.00",
            "56000.00",
            out_of_catalog="20000.00",
            hospital_class=HospitalClass.COUNTY_CLASS_2_3,
            in_province=False,
        ),
        RETURNED,
        YearToDate(),
    )
    assert result.hospital_borne == yuan("0.00")
    assert result.out_of_catalog_assistance == yuan("0.00")
    assert result.burden == yuan("27200.00")
    assert_assistance_step(result, "xinzhou-2022-returned-to-poverty")
    assert not [s for s in result.steps if s.tier.startswith("out_of_catalog")]


def test_out_of_catalog_caps_are_for_inpatient_stays_only() -> None:
    # 特困 chronic outpatient with out-of-catalog 5,000.00 of 6,000.00 total (83%): no cap for outpatient,
    # nothing borne; in-catalog 1,000.00, basic 600.00 → 400.00 × 60% = 240.00; keeps 160.00 + 5,000.00.
    result = settle(
        XINZHOU,
        claim("1000.00", "600.00", visit=Visit.CHRONIC_OUTPATIENT, out_of_catalog="5000.00"),
        TEKUN,
        YearToDate(),
    )
    assert result.hospital_borne == yuan("0.00")
    assert result.medical_assistance == yuan("240.00")
    assert result.burden == yuan("5160.00")
    assert_assistance_step(result, "xinzhou-2022-tekun")
    assert not [s for s in result.steps if s.tier.startswith("out_of_catalog")]


def test_out_of_catalog_cap_needs_the_hospital_fee_class() -> None:
    with pytest.raises(EngineError) as caught:
        settle(XINZHOU, claim("80000.00", "56000.00", out_of_catalog="20000.00"), TEKUN, YearToDate())
    assert caught.value.field == "hospital_class"


def test_out_of_province_stay_has_no_shanxi_fee_class_and_no_cap() -> None:
    # 特困 in a Beijing hospital: in-catalog 60,000.00, out-of-catalog 40,000.00, basic 30,000.00.
    # Expected: in-catalog self-pay 30,000.00 × 100% = 30,000.00; out-of-catalog 40,000.00 kept by the person.
    result = settle(
        XINZHOU, claim("60000.00", "30000.00", out_of_catalog="40000.00", in_province=False), TEKUN, YearToDate()
    )
    assert result.hospital_borne == yuan("0.00")
    assert result.medical_assistance == yuan("30000.00")
    assert result.burden == yuan("40000.00")


def test_out_of_catalog_85_percent_ends_with_the_transition_period() -> None:
    # 返贫致贫 in 2026, 省内一类: out-of-catalog 20,000.00 within the 30% cap. After the transition: no 85%.
    result = settle(
        XINZHOU,
        claim(
            "80000.00",
            "56000.00",
            out_of_catalog="20000.00",
            hospital_class=HospitalClass.PROVINCE_CLASS_1,
            on=date(2026, 3, 1),
        ),
        RETURNED,
        YearToDate(),
    )
    assert result.out_of_catalog_assistance == yuan("0.00")


# --- several categories: the most favourable group ----------------------------------------------------


def test_dibao_and_returned_to_poverty_takes_the_returned_to_poverty_group() -> None:
    # 赵某 holds both 低保 and 返贫致贫. Both groups pay 70% of the in-catalog self-pay, but 返贫致贫 also has the
    # 90% floor for in-province stays and no yearly limit, while 低保 is capped at 60,000 a year — so the
    # 返贫致贫 group is the more favourable one and is applied.
    # Stay: in-catalog 100,000.00, basic 50,000.00, critical 10,000.00 → 返贫致贫 30,000.00 (topped up to 90%);
    # 低保 would pay 28,000.00.
    both = frozenset({Category.DIBAO, Category.RETURNED_TO_POVERTY})
    fresh = settle(XINZHOU, claim("100000.00", "50000.00", "10000.00"), both, YearToDate())
    assert fresh.medical_assistance == yuan("30000.00")
    assert_assistance_step(fresh, "xinzhou-2022-returned-to-poverty")
    dibao_only = settle(XINZHOU, claim("100000.00", "50000.00", "10000.00"), DIBAO, YearToDate())
    assert dibao_only.medical_assistance == yuan("28000.00")
    # With the 低保 limit already used up this year (60,000.00), 低保 alone pays 0.00 while the pair still gets
    # the 返贫致贫 30,000.00.
    used_up = YearToDate(assistance_paid=yuan("60000.00"))
    assert settle(XINZHOU, claim("100000.00", "50000.00", "10000.00"), DIBAO, used_up).medical_assistance == yuan(
        "0.00"
    )
    later = settle(XINZHOU, claim("100000.00", "50000.00", "10000.00"), both, used_up)
    assert later.medical_assistance == yuan("30000.00")
    assert later.funding == "medical_assistance_fund"
    assert_assistance_step(later, "xinzhou-2022-returned-to-poverty")


def test_tekun_and_dibao_takes_tekun() -> None:
    # 特困 + 低保: 100% beats 70%. in-catalog 10,000.00, basic 6,000.00 → 4,000.00 vs 2,800.00 → 4,000.00.
    result = settle(XINZHOU, claim("10000.00", "6000.00"), frozenset({Category.TEKUN, Category.DIBAO}), YearToDate())
    assert result.medical_assistance == yuan("4000.00")
    assert_assistance_step(result, "xinzhou-2022-tekun")


def test_no_assistance_group_for_unstable_out_of_poverty() -> None:
    # 脱贫不稳定 has no per-claim group in 忻州 (only 依申请救助): in-catalog 10,000.00, basic 6,000.00
    # → no assistance, no step, burden 4,000.00.
    result = settle(XINZHOU, claim("10000.00", "6000.00"), frozenset({Category.UNSTABLE_OUT_OF_POVERTY}), YearToDate())
    assert result.medical_assistance == yuan("0.00")
    assert result.funding is None
    assert result.burden == yuan("4000.00")
    assert not [s for s in result.steps if s.tier == "medical_assistance"]


# --- 依申请救助 (application-based) -----------------------------------------------------------------

UNSTABLE = frozenset({Category.UNSTABLE_OUT_OF_POVERTY})


def test_application_line_is_25_percent_of_shanxi_2021_income() -> None:
    # Line: 27,426.00 (山西 2021 全省居民人均可支配收入) × 25% = 6,856.50. Self-pay exactly at the line: nothing
    # "above" it → 0.00.
    quote = application_assistance(XINZHOU, UNSTABLE, 2022, yuan("6856.50"))
    assert quote.line == yuan("6856.50")
    assert quote.amount == yuan("0.00")
    (s,) = quote.steps
    assert (s.tier, s.pack_id, s.rule_id) == ("application", PACK_ID, "xinzhou-2022-application")


@pytest.mark.parametrize(
    ("held", "self_pay", "expected"),
    [
        # 脱贫不稳定, year's in-policy inpatient self-pay 30,000.00: (30,000.00 − 6,856.50) × 70% = 16,200.45
        (UNSTABLE, "30000.00", "16200.45"),
        # 边缘易致贫, 6,856.51: 0.01 × 70% = 0.007 → 0.01
        (frozenset({Category.EDGE_OF_POVERTY}), "6856.51", "0.01"),
        # 突发严重困难, 100,000.00: 93,143.50 × 70% = 65,200.45 > 60,000 → 60,000.00
        (frozenset({Category.SUDDEN_HARDSHIP}), "100000.00", "60000.00"),
    ],
)
def test_application_assistance_70_percent_above_the_line_capped_at_60000(
    held: frozenset[Category], self_pay: str, expected: str
) -> None:
    quote = application_assistance(XINZHOU, held, 2022, yuan(self_pay))
    assert quote.amount == yuan(expected)
    assert quote.steps[0].ratio == yuan("0.70")


def test_second_application_in_the_same_year_pays_only_the_difference() -> None:
    # First application in June: self-pay 30,000.00 → 16,200.45 paid.
    # Second in November: the year's self-pay is now 50,000.00 → (50,000.00 − 6,856.50) × 70% = 30,200.45 due for
    # the year; 16,200.45 already paid → 14,000.00.
    first = application_assistance(XINZHOU, UNSTABLE, 2022, yuan("30000.00"))
    assert first.amount == yuan("16200.45")
    second = application_assistance(XINZHOU, UNSTABLE, 2022, yuan("50000.00"), already_paid=first.amount)
    assert second.amount == yuan("14000.00")
    assert second.steps[0].amount == yuan("14000.00")
    # Third, at 120,000.00: the year's due is capped at 60,000.00 → 60,000.00 − 30,200.45 = 29,799.55.
    third = application_assistance(XINZHOU, UNSTABLE, 2022, yuan("120000.00"), already_paid=yuan("30200.45"))
    assert third.amount == yuan("29799.55")
    # Fourth, with the 60,000.00 all paid: nothing more.
    assert application_assistance(
        XINZHOU, UNSTABLE, 2022, yuan("200000.00"), already_paid=yuan("60000.00")
    ).amount == yuan("0.00")


def test_out_of_catalog_assistance_stays_within_a_yearly_limit() -> None:
    # Test variant: suppose the operator set a yearly limit of 30,000.00 for 返贫致贫 (the seed does not quote it).
    # Stay at a 省内一类 hospital as above: in-catalog assistance 16,800.00 + out-of-catalog 85% 17,000.00
    # = 33,800.00 > 30,000.00 → together they should stop at 30,000.00.
    limit = {"settlement.assistance[xinzhou-2022-returned-to-poverty].annual_limit": "30000.00"}
    variant = with_values(XINZHOU, PACK_ID, limit, "test variant: the operator's limit")
    result = settle(
        variant,
        claim("80000.00", "56000.00", out_of_catalog="20000.00", hospital_class=HospitalClass.PROVINCE_CLASS_1),
        RETURNED,
        YearToDate(),
    )
    assert result.medical_assistance + result.out_of_catalog_assistance == yuan("30000.00")
    assert result.year_to_date.assistance_paid == yuan("30000.00")
