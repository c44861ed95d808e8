"""威海 (weihai-2023) through the engine: the retroactive window for 因病致贫重病患者, a claim with no assistance
groups, and the inputs the engine requires when a pack has no basic or critical-illness rule.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.categories import Category
from libs.common.policy import PolicyPack, load_book
from libs.common.policy.explanation import EngineError
from libs.common.policy.settlement import Visit
from services.assistance.domain.application import retroactive_window
from services.assistance.domain.settlement import ClaimCost, YearToDate, settle

PACK_ID = "weihai-2023"
WEIHAI: PolicyPack = load_book(Path(__file__).parents[2] / "policies").get(PACK_ID)
SERIOUS = Category.SERIOUS_ILLNESS_POOR


def yuan(text: str) -> Decimal:
    return Decimal(text)


# --- 可追溯至2022年1月1日 -------------------------------------------------------------------------------


@pytest.mark.parametrize("applied_on", [date(2023, 6, 30), date(2023, 5, 2), date(2022, 12, 1)])
def test_serious_illness_applied_by_30_june_2023_counts_back_to_2022(applied_on: date) -> None:
    # 于某 applied to civil affairs on or before 2023-06-30 (6月30日前 includes the day) and was confirmed on
    # 2023-08-15: in-policy costs count from 2022-01-01 to the day of confirmation.
    window = retroactive_window(WEIHAI, SERIOUS, date(2023, 8, 15), applied_on)
    assert window is not None
    rule, start, end = window
    assert (rule.id, start, end) == ("weihai-2023-serious-illness", date(2022, 1, 1), date(2023, 8, 15))
    assert rule.in_policy_only


def test_serious_illness_applied_on_1_july_2023_has_no_window() -> None:
    assert retroactive_window(WEIHAI, SERIOUS, date(2023, 8, 15), date(2023, 7, 1)) is None


def test_serious_illness_without_an_application_date_has_no_window() -> None:
    # The rule is conditional on the application date: unknown date → not proven → no window.
    assert retroactive_window(WEIHAI, SERIOUS, date(2023, 8, 15)) is None


@pytest.mark.parametrize("category", [Category.DIBAO, Category.TEKUN, Category.DIBAO_EDGE])
def test_other_categories_have_no_window_in_weihai(category: Category) -> None:
    assert retroactive_window(WEIHAI, category, date(2023, 5, 15), date(2023, 5, 1)) is None


# --- a claim in a pack with no assistance groups ---------------------------------------------------------


def test_claim_with_no_assistance_groups() -> None:
    # 低保 person in 威海: the pack has no assistance ratios (山东's, not yet added), so nothing beyond the two
    # tiers the settlement system paid. In-catalog 30,000.00 + out-of-catalog 5,000.00 = 35,000.00; basic
    # 18,000.00, critical 2,000.00 → assistance 0.00; the person keeps 35,000.00 − 18,000.00 − 2,000.00
    # = 15,000.00 (10,000.00 in-catalog self-pay + 5,000.00 self-expense).
    result = settle(
        WEIHAI,
        ClaimCost(
            date(2023, 9, 1),
            Visit.INPATIENT,
            yuan("30000.00"),
            yuan("5000.00"),
            basic_paid=yuan("18000.00"),
            critical_paid=yuan("2000.00"),
        ),
        frozenset({Category.DIBAO}),
        YearToDate(),
    )
    assert (result.basic, result.critical_illness, result.medical_assistance) == (
        yuan("18000.00"),
        yuan("2000.00"),
        yuan("0.00"),
    )
    assert (result.out_of_catalog_assistance, result.hospital_borne, result.tilted) == (
        yuan("0.00"),
        yuan("0.00"),
        yuan("0.00"),
    )
    assert result.burden == yuan("15000.00")
    assert result.funding is None
    assert [(s.tier, s.pack_id, s.rule_id, s.amount) for s in result.steps] == [
        ("basic", PACK_ID, "as-settled", yuan("18000.00")),
        ("critical_illness", PACK_ID, "as-settled", yuan("2000.00")),
    ]
    assert result.year_to_date.critical_base == yuan("12000.00")  # 30,000.00 − 18,000.00
    assert result.year_to_date.policy_burden == yuan("10000.00")


def test_without_critical_paid_a_pack_without_critical_rule_raises() -> None:
    claim = ClaimCost(date(2023, 9, 1), Visit.INPATIENT, yuan("30000.00"), basic_paid=yuan("18000.00"))
    with pytest.raises(EngineError) as caught:
        settle(WEIHAI, claim, frozenset({Category.DIBAO}), YearToDate())
    assert caught.value.field == "critical_paid"
    assert caught.value.rule == "required_without_pack_rule"
    assert PACK_ID in str(caught.value)


def test_without_basic_paid_a_pack_without_basic_rules_raises() -> None:
    claim = ClaimCost(date(2023, 9, 1), Visit.INPATIENT, yuan("30000.00"), critical_paid=yuan("0.00"))
    with pytest.raises(EngineError) as caught:
        settle(WEIHAI, claim, frozenset(), YearToDate())
    assert caught.value.field == "basic_paid"


@pytest.mark.parametrize(
    ("basic_paid", "critical_paid", "field"),
    [
        ("30000.01", "0.00", "basic_paid"),  # more than the in-catalog cost
        ("18000.00", "12000.01", "critical_paid"),  # more than the 12,000.00 left after basic
    ],
)
def test_tier_amounts_above_what_remains_are_rejected(basic_paid: str, critical_paid: str, field: str) -> None:
    claim = ClaimCost(
        date(2023, 9, 1),
        Visit.INPATIENT,
        yuan("30000.00"),
        basic_paid=yuan(basic_paid),
        critical_paid=yuan(critical_paid),
    )
    with pytest.raises(EngineError) as caught:
        settle(WEIHAI, claim, frozenset(), YearToDate())
    assert caught.value.field == field


def test_negative_cost_is_rejected() -> None:
    claim = ClaimCost(date(2023, 9, 1), Visit.INPATIENT, yuan("-1.00"), basic_paid=yuan("0.00"))
    with pytest.raises(EngineError):
        settle(WEIHAI, claim, frozenset(), YearToDate())


@pytest.mark.parametrize(("basic_paid", "critical_paid"), [("-100.00", "0.00"), ("18000.00", "-100.00")])
def test_negative_tier_payment_is_rejected(basic_paid: str, critical_paid: str) -> None:
    # In-catalog 30,000.00 with basic −100.00: the engine would report basic −100.00 and a burden of 30,100.00.
    claim = ClaimCost(
        date(2023, 9, 1),
        Visit.INPATIENT,
        yuan("30000.00"),
        basic_paid=yuan(basic_paid),
        critical_paid=yuan(critical_paid),
    )
    with pytest.raises(EngineError):
        settle(WEIHAI, claim, frozenset(), YearToDate())
