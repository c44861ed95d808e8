"""Which pack governs the date of a fact, and carrying a pack forward past its end when nothing succeeds it.

Real packs first (policies/*.yaml: pengshui-2024 runs 2024-01-01 to 2024-12-31, the others have no end), then
made-up packs for the layering and successor cases the shipped packs do not have.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.agencies import Agency
from libs.common.messaging.contracts.monitoring import RiskLevel
from libs.common.policy import (
    BurdenDefinition,
    Comparison,
    Monitoring,
    NoPolicy,
    PolicyBook,
    PolicyPack,
    ReferralRule,
    WarningRule,
    WorkingDaysDeadline,
    load_book,
)
from libs.common.policy.book import Section

PENGSHUI = "500243"  # 重庆市彭水苗族土家族自治县
XINFU = "140902"  # 忻州市忻府区
DONGCHENG = "110101"  # 北京市东城区: no pack has ever covered it


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_book(Path(__file__).parents[2] / "policies")


# --- the shipped packs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("section", ["monitoring", "referral"])
def test_pengshui_2025_carries_the_2024_pack_forward(book: PolicyBook, section: Section) -> None:
    # pengshui-2024 ended 2024-12-31 and no Pengshui or Chongqing pack follows it.
    governing = book.governing(PENGSHUI, date(2025, 3, 1), section)
    assert (governing.pack.id, governing.carried_forward) == ("pengshui-2024", True)
    assert governing.pack.effective_to == date(2024, 12, 31)


def test_pengshui_2024_is_governed_by_its_own_pack(book: PolicyBook) -> None:
    pack, carried_forward = book.governing(PENGSHUI, date(2024, 6, 1), "referral")
    assert (pack.id, carried_forward) == ("pengshui-2024", False)
    # The last day in force is still in force, not carried.
    assert book.governing(PENGSHUI, date(2024, 12, 31), "referral").carried_forward is False


def test_never_carried_back_before_a_start(book: PolicyBook) -> None:
    with pytest.raises(NoPolicy, match="region 500243 on 2023-12-31"):
        book.governing(PENGSHUI, date(2023, 12, 31), "referral")


def test_a_county_no_pack_ever_covered_has_no_policy(book: PolicyBook) -> None:
    with pytest.raises(NoPolicy, match="with referral rules governs region 110101 on 2026-12-03"):
        book.governing(DONGCHENG, date(2026, 12, 3), "referral")
    with pytest.raises(NoPolicy, match="with monitoring rules governs region 110101"):
        book.governing_monitoring(DONGCHENG, date(2026, 12, 3))


def test_a_section_no_pack_of_the_region_has_stays_missing(book: PolicyBook) -> None:
    # Yuecheng has no subsidy section at all: nothing to carry.
    with pytest.raises(NoPolicy, match="with subsidy rules governs region 330602"):
        book.governing("330602", date(2026, 12, 3), "subsidy")


def test_monitoring_packs_of_the_claim_date(book: PolicyBook) -> None:
    packs, carried_forward = book.governing_monitoring(PENGSHUI, date(2026, 12, 3))
    assert ([p.id for p in packs], carried_forward) == (["pengshui-2024"], True)
    packs, carried_forward = book.governing_monitoring(PENGSHUI, date(2024, 6, 1))
    assert ([p.id for p in packs], carried_forward) == (["pengshui-2024"], False)
    # Xinzhou adds its 依申请救助 line to the province's two: both in force, nothing carried.
    packs, carried_forward = book.governing_monitoring(XINFU, date(2026, 12, 3))
    assert ([p.id for p in packs], carried_forward) == (["xinzhou-2022", "shanxi-2022"], False)
    assert packs == book.monitoring_packs(XINFU, date(2026, 12, 3))


# --- made-up packs -------------------------------------------------------------------------------------------


def _pack(pack_id: str, region: str, start: date, end: date | None = None, *, adds: bool = False) -> PolicyPack:
    rule = WarningRule(
        id=f"{pack_id}-others",
        level=RiskLevel.IMPOVERISH,
        others=True,
        comparison=Comparison.GREATER_THAN,
        threshold=Decimal("1000.00"),
        source="test",
    )
    return PolicyPack(
        id=pack_id,
        name=pack_id,
        region_code=region,
        source="test",
        effective_from=start,
        effective_to=end,
        monitoring=Monitoring(burden=BurdenDefinition.AFTER_ALL_TIERS, rules=(rule,), adds_to_wider=adds),
        referral=ReferralRule(
            agencies=(Agency.CIVIL_AFFAIRS,),
            decision_working_days=WorkingDaysDeadline(working_days=None, source="test"),
            feedback_working_days=WorkingDaysDeadline(working_days=None, source="test"),
            source="test",
        ),
    )


def test_the_pack_that_ended_last_is_carried() -> None:
    # The city's pack ends mid-2025 and the province's at the end of 2025: from 2025-07-01 the province's governs,
    # so in 2026 it is the province's that is carried, not the city's.
    city = _pack("city", "141100", date(2022, 1, 1), date(2025, 6, 30))
    province = _pack("province", "140000", date(2022, 1, 1), date(2025, 12, 31))
    book = PolicyBook([city, province])
    assert book.governing("141123", date(2025, 3, 1), "referral") == (city, False)
    assert book.governing("141123", date(2025, 9, 1), "referral") == (province, False)
    assert book.governing("141123", date(2026, 3, 1), "referral") == (province, True)


def test_a_wider_pack_in_force_is_not_a_carry() -> None:
    # The county's own pack ended; the province's still runs and governs, as for_county says.
    county = _pack("county", "141123", date(2022, 1, 1), date(2024, 12, 31))
    province = _pack("province", "140000", date(2022, 1, 1))
    assert PolicyBook([county, province]).governing("141123", date(2026, 3, 1), "referral") == (province, False)


def test_a_successor_that_starts_later_leaves_a_gap_not_a_carry() -> None:
    old = _pack("old", "141100", date(2022, 1, 1), date(2024, 12, 31))
    new = _pack("new", "141100", date(2026, 1, 1))
    book = PolicyBook([old, new])
    with pytest.raises(NoPolicy, match="old ended on 2024-12-31 and its successor new starts on 2026-01-01"):
        book.governing("141123", date(2025, 6, 1), "referral")
    assert book.governing("141123", date(2026, 1, 1), "referral") == (new, False)


def test_a_wider_layer_that_ended_is_carried_under_a_narrower_one_that_adds_to_it() -> None:
    city = _pack("city", "141100", date(2022, 1, 1), adds=True)
    province = _pack("province", "140000", date(2022, 1, 1), date(2025, 12, 31))
    book = PolicyBook([city, province])
    assert book.governing_monitoring("141123", date(2025, 6, 1)) == ([city, province], False)
    assert book.governing_monitoring("141123", date(2026, 6, 1)) == ([city, province], True)
    # monitoring_packs (in force only) would drop the province's lines without a word.
    assert book.monitoring_packs("141123", date(2026, 6, 1)) == [city]
