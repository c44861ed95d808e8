"""Shanxi's rules for persons who become vulnerable during the enrollment year (晋医保发〔2022〕9号 四)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.categories import Category
from libs.common.policy import load_book
from libs.common.policy.enrollment import MidYear, Period
from libs.common.policy.explanation import EngineError
from libs.common.policy.mid_year import quote_mid_year
from libs.common.policy.subsidy import Funding
from libs.common.policy.subsidy_quote import quote

BOOK = load_book(Path(__file__).parents[2] / "policies")
XINZHOU = BOOK.get("xinzhou-2022")
# Test values: the seed gives no dates for the 集中参保缴费期; here 2021-09-01 … 2021-12-31 for the 2022 year.
RULES = MidYear(concentrated_periods={2022: Period(start=date(2021, 9, 1), end=date(2021, 12, 31))}, source="test")
# Xinzhou 2022, 低保: 80% of the 350.00 standard = 280.00 subsidy; 350.00 − 280.00 = 70.00 own share.
BASE = quote(XINZHOU, frozenset({Category.DIBAO}), 2022, 1)


def test_the_base_quote_the_examples_start_from() -> None:
    assert (BASE.contribution, BASE.subsidy, BASE.own_share) == (Decimal("350.00"), Decimal("280.00"), Decimal("70.00"))


def test_enrolled_before_and_adjusted_in_the_concentrated_period_is_subsidised_and_refunded() -> None:
    q = quote_mid_year(RULES, BASE, XINZHOU.id, 2022, date(2021, 11, 20), enrolled_before=True)
    # Paid 350.00 already; medical assistance pays the 280.00 subsidy, refunded to the person, who keeps 70.00.
    assert (q.subsidy, q.refund, q.own_share) == (Decimal("280.00"), Decimal("280.00"), Decimal("70.00"))
    assert q.funding == (Funding.MEDICAL_ASSISTANCE_FUND,) and not q.fiscal_share_by_county
    assert q.steps[0].rule_id == "mid-year.enrolled-in-period"


def test_enrolled_before_and_adjusted_after_the_period_gets_no_refund() -> None:
    q = quote_mid_year(RULES, BASE, XINZHOU.id, 2022, date(2022, 3, 1), enrolled_before=True)
    # 集中参保缴费期结束后个人参保缴费资金不退还: no subsidy this year, the 350.00 stays paid.
    assert (q.subsidy, q.refund, q.own_share) == (Decimal("0.00"), Decimal("0.00"), Decimal("350.00"))
    assert q.funding == ()


def test_not_enrolled_before_pays_the_own_share_and_county_finance_bears_the_fiscal_part() -> None:
    q = quote_mid_year(RULES, BASE, XINZHOU.id, 2022, date(2022, 3, 1), enrolled_before=False)
    # 个人缴费自负部分由个人补缴 (70.00), 资助部分由医疗救助资金负担 (280.00), 财政补助部分由县级财政全额承担.
    assert (q.subsidy, q.refund, q.own_share) == (Decimal("280.00"), Decimal("0.00"), Decimal("70.00"))
    assert q.funding == (Funding.MEDICAL_ASSISTANCE_FUND,) and q.fiscal_share_by_county


def test_the_shipped_pack_has_no_period_yet_and_says_so() -> None:
    shipped = BOOK.get("shanxi-2022").enrollment
    assert shipped is not None and shipped.mid_year is not None
    with pytest.raises(EngineError, match="集中参保缴费期 for 2022"):
        quote_mid_year(shipped.mid_year, BASE, "shanxi-2022", 2022, date(2022, 3, 1), enrolled_before=False)
