"""Assistance outside the per-claim tiers: 依申请救助 (application-based) and the retroactive windows, across packs
and on small packs built in the test. Xinzhou's worked examples are in test_settlement_xinzhou.py; Yuecheng's and
Weihai's windows in their own files. This file holds the edges: rounding, limits, missing figures, eligibility.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.categories import Category
from libs.common.policy import MissingFigure, PolicyPack, load_book
from libs.common.policy.explanation import EngineError
from libs.common.policy.settlement import ApplicationBased, Retroactive, Settlement
from services.assistance.domain.application import application_assistance, retroactive_window

BOOK = load_book(Path(__file__).parents[2] / "policies")
XINZHOU = BOOK.get("xinzhou-2022")
UNSTABLE = frozenset({Category.UNSTABLE_OUT_OF_POVERTY})


def yuan(text: str) -> Decimal:
    return Decimal(text)


def small_pack(settlement: Settlement) -> PolicyPack:
    """A minimal pack built in the test (not a real region's rules)."""
    return PolicyPack(
        id="test-small",
        name="test pack",
        region_code="999999",
        source="built by the test",
        effective_from=date(2022, 1, 1),
        settlement=settlement,
    )


# --- 依申请救助 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("self_pay", "expected"),
    [
        ("0.00", "0.00"),
        ("6856.49", "0.00"),  # below the 6,856.50 line
        ("6856.50", "0.00"),  # at the line: nothing above it
        ("6856.55", "0.04"),  # 0.05 × 0.70 = 0.035 → 0.04 (四舍五入)
        ("6857.21", "0.50"),  # 0.71 × 0.70 = 0.497 → 0.50
        ("92570.77", "59999.99"),  # 85,714.27 × 0.70 = 59,999.989 → 59,999.99, just under the limit
        ("92570.78", "60000.00"),  # 85,714.28 × 0.70 = 59,999.996 → 60,000.00 = the limit
        ("92570.79", "60000.00"),  # 85,714.29 × 0.70 = 60,000.003 → 60,000.00, limited to 60,000.00
        ("500000.00", "60000.00"),  # 493,143.50 × 0.70 = 345,200.45 → capped 60,000.00
    ],
)
def test_xinzhou_application_amounts_at_the_edges(self_pay: str, expected: str) -> None:
    q = application_assistance(XINZHOU, UNSTABLE, 2022, yuan(self_pay))
    assert q.line == yuan("6856.50")  # 27,426.00 × 25%
    assert q.amount == yuan(expected)
    (s,) = q.steps
    assert (s.pack_id, s.rule_id, s.base, s.ratio, s.amount) == (
        "xinzhou-2022",
        "xinzhou-2022-application",
        yuan(self_pay),
        yuan("0.70"),
        yuan(expected),
    )


def test_already_paid_above_what_is_due_gives_zero_not_a_refund() -> None:
    # Due for the year: (10,000.00 − 6,856.50) × 0.70 = 2,200.45; 5,000.00 already paid → 0.00 (never negative).
    assert application_assistance(XINZHOU, UNSTABLE, 2022, yuan("10000.00"), yuan("5000.00")).amount == yuan("0.00")


def test_application_line_needs_the_years_income_figure() -> None:
    # The pack has 山西's income for 2022 only (2021's figure, used in 2022); 2023 is pending.
    with pytest.raises(MissingFigure, match=r"shanxi_income.*2023"):
        application_assistance(XINZHOU, UNSTABLE, 2023, yuan("30000.00"))


@pytest.mark.parametrize("category", [Category.DIBAO, Category.TEKUN, Category.RETURNED_TO_POVERTY])
def test_categories_without_an_application_rule_are_refused(category: Category) -> None:
    with pytest.raises(EngineError) as caught:
        application_assistance(XINZHOU, frozenset({category}), 2022, yuan("30000.00"))
    assert caught.value.field == "categories"


@pytest.mark.parametrize("pack_id", ["pengshui-2024", "weihai-2023", "yuecheng-2022", "shanxi-2022"])
def test_packs_without_application_rules_refuse(pack_id: str) -> None:
    with pytest.raises(EngineError):
        application_assistance(BOOK.get(pack_id), UNSTABLE, 2024, yuan("30000.00"))


def test_dibao_who_is_also_unstable_is_not_easily_relapsing_for_application() -> None:
    # 低保 + 脱贫不稳定 (no 突发严重困难): not 易返贫致贫 → the application-based rule does not apply to them.
    with pytest.raises(EngineError):
        application_assistance(
            XINZHOU, frozenset({Category.DIBAO, Category.UNSTABLE_OUT_OF_POVERTY}), 2022, yuan("30000.00")
        )


def test_application_rule_without_a_limit_on_a_small_pack() -> None:
    # Small test pack: line fixed 1,000.00, ratio 0.50, no yearly limit (written `unlimited`). Self-pay
    # 301,000.00 → (301,000.00 − 1,000.00) × 0.50 = 150,000.00, not capped; already paid 50,000.00 → 100,000.00.
    pack = small_pack(
        Settlement(
            application_based=(
                ApplicationBased(
                    id="test-app",
                    categories=(Category.SUDDEN_HARDSHIP,),
                    line=yuan("1000.00"),
                    ratio=yuan("0.50"),
                    annual_limit="unlimited",
                    status="confirmed",
                    source="test",
                ),
            )
        )
    )
    q = application_assistance(pack, frozenset({Category.SUDDEN_HARDSHIP}), 2030, yuan("301000.00"), yuan("50000.00"))
    assert (q.line, q.amount) == (yuan("1000.00"), yuan("100000.00"))
    assert (q.steps[0].pack_id, q.steps[0].rule_id) == ("test-small", "test-app")


# --- retroactive windows -------------------------------------------------------------------------------


@pytest.mark.parametrize("pack_id", ["xinzhou-2022", "pengshui-2024", "shanxi-2022"])
def test_packs_without_retroactive_rules_give_no_window(pack_id: str) -> None:
    assert retroactive_window(BOOK.get(pack_id), Category.DIBAO, date(2024, 8, 31), date(2024, 8, 1)) is None


def test_month_window_with_an_application_deadline_on_a_small_pack() -> None:
    # Small test pack: 3 months before identification, only if applied by 2024-03-31.
    # Identified 2024-05-31, applied 2024-03-31 → from 2024-02-29 (leap February); applied 2024-04-01 → None.
    rule = Retroactive(
        id="test-window",
        categories=(Category.DIBAO_EDGE,),
        months_before_identification=3,
        applied_by="2024-03-31",
        source="test",
    )
    pack = small_pack(Settlement(retroactive=(rule,)))
    window = retroactive_window(pack, Category.DIBAO_EDGE, date(2024, 5, 31), date(2024, 3, 31))
    assert window is not None
    assert window[1:] == (date(2024, 2, 29), date(2024, 5, 31))
    assert window[0].id == "test-window"
    assert retroactive_window(pack, Category.DIBAO_EDGE, date(2024, 5, 31), date(2024, 4, 1)) is None


def test_first_matching_window_rule_wins_and_late_applications_fall_through() -> None:
    # Two rules for 因病致贫重病患者: back to 2022-01-01 if applied by 2023-06-30, else 6 months.
    # Applied in time → 2022-01-01; applied late → the 6-month rule: 2023-09-15 − 6 months = 2023-03-15.
    early = Retroactive(
        id="early",
        categories=(Category.SERIOUS_ILLNESS_POOR,),
        back_to="2022-01-01",
        applied_by="2023-06-30",
        source="test",
    )
    fallback = Retroactive(
        id="six-months", categories=(Category.SERIOUS_ILLNESS_POOR,), months_before_identification=6, source="test"
    )
    pack = small_pack(Settlement(retroactive=(early, fallback)))
    in_time = retroactive_window(pack, Category.SERIOUS_ILLNESS_POOR, date(2023, 9, 15), date(2023, 6, 30))
    late = retroactive_window(pack, Category.SERIOUS_ILLNESS_POOR, date(2023, 9, 15), date(2023, 7, 1))
    assert in_time is not None and (in_time[0].id, in_time[1]) == ("early", date(2022, 1, 1))
    assert late is not None and (late[0].id, late[1]) == ("six-months", date(2023, 3, 15))
