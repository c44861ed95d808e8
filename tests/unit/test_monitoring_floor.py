"""Rules.floor: the lowest line that applies to a person on a day. The one-statement path (accumulate_pg) reads back
only claims whose year could reach it, so it must never be above a line some rule would flag at."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from libs.common.categories import Category
from libs.common.policy import load_book
from services.monitoring.domain import BurdenParts
from services.monitoring.rules import Rules

POLICIES = Path(__file__).resolve().parents[2] / "policies"
COUNTIES = ("141123", "140902", "371002", "330602", "500243", "110101")
NONE: frozenset[Category] = frozenset()


@pytest.fixture(scope="module")
def rules() -> Rules:
    return Rules(load_book(POLICIES))


def test_shanxi_floor_is_the_line_of_the_category_held(rules: Rules) -> None:
    on = date(2026, 3, 5)
    assert rules.floor("141123", on, NONE) == Decimal("20000.00")  # everyone else: 超过 2万元
    assert rules.floor("141123", on, frozenset({Category.DIBAO})) == Decimal("6000.00")  # 低保: 超过 0.6万元


def test_xinzhou_floor_takes_the_lower_of_the_city_and_province_lines(rules: Rules) -> None:
    # 易返贫致贫 in 忻府区, 2022: the province's 6,000.00 and the city's 25% × 27,426.00 = 6,856.50 → 6,000.00
    unstable = frozenset({Category.UNSTABLE_OUT_OF_POVERTY})
    assert rules.floor("140902", date(2022, 8, 1), unstable) == Decimal("6000.00")


def test_yuecheng_watches_only_its_categories_and_a_county_without_a_pack_has_no_floor(rules: Rules) -> None:
    on = date(2026, 5, 1)
    assert rules.floor("330602", on, frozenset({Category.TEKUN})) == Decimal("50000.00")
    assert rules.floor("330602", on, NONE) is None  # 越城 watches no one else
    assert rules.floor("110101", on, NONE) is None  # 北京 东城: no pack at all


@settings(max_examples=300, deadline=None)
@given(
    county=st.sampled_from(COUNTIES),
    on=st.dates(date(2022, 1, 1), date(2026, 12, 31)),
    held=st.frozensets(st.sampled_from(list(Category)), max_size=3),
    cents=st.lists(st.integers(0, 10_000_000), min_size=3, max_size=3),
)
def test_no_warning_below_the_floor(
    rules: Rules, county: str, on: date, held: frozenset[Category], cents: list[int]
) -> None:
    """Whatever the rules measure (after all tiers or with assistance added back, all of the burden or in-policy
    self-pay only), a year that raises a warning has max(burden, self-pay) + assistance at or over the floor."""
    burden, self_pay, assistance = (Decimal(c) / 100 for c in cents)
    parts = BurdenParts(burden + assistance, burden, self_pay, assistance)
    warnings = rules.evaluate(county, on, held, parts, on.year)
    floor = rules.floor(county, on, held)
    if warnings:
        assert floor is not None
        assert max(burden, self_pay) + assistance >= floor
        assert floor <= min(w.threshold for w in warnings)
