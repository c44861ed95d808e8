"""Monitoring rules on the shipped packs, worked to the fen for each region; the 附件1 risk description."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.categories import Category
from libs.common.messaging.contracts.monitoring import RiskLevel
from libs.common.policy import PolicyBook, PolicyPack, load_book
from services.monitoring.domain import BurdenParts, burden_year, claim_parts, evaluate, risk_description

POLICIES = Path(__file__).resolve().parents[2] / "policies"
XING = "141123"  # 兴县, 吕梁 (Shanxi)
XINFU = "140902"  # 忻府区, 忻州 (Shanxi, with 忻州's own pack)
WEIHAI = "371002"  # 环翠区
YUECHENG = "330602"
PENGSHUI = "500243"
DIBAO = frozenset({Category.DIBAO})
NONE: frozenset[Category] = frozenset()


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_book(POLICIES)


def burden(amount: str, *, assistance: str = "0", self_pay: str | None = None) -> BurdenParts:
    b = Decimal(amount)
    return BurdenParts(b + Decimal(assistance), b, Decimal(self_pay) if self_pay else b, Decimal(assistance))


def levels(book: PolicyBook, county: str, on: date, held: frozenset[Category], parts: BurdenParts) -> list[str]:
    result = evaluate(book.monitoring_packs(county, on), held, parts, on.year)
    return [f"{w.rule.id}:{w.burden}" for w in result.warnings]


# --- Shanxi: 超过0.6万元 / 超过2万元, burden after all tiers -------------------------------------------------------


def test_shanxi_dibao_at_6000_is_not_over_and_one_fen_more_is(book: PolicyBook) -> None:
    on = date(2026, 3, 5)
    assert levels(book, XING, on, DIBAO, burden("6000.00")) == []  # 超过: 6000.00 is not over 6000.00
    assert levels(book, XING, on, DIBAO, burden("6000.01")) == ["shanxi-2022-relapse:6000.01"]


def test_shanxi_ordinary_resident_at_20000_is_not_over_and_one_fen_more_is(book: PolicyBook) -> None:
    on = date(2026, 3, 5)
    assert levels(book, XING, on, NONE, burden("20000.00")) == []
    assert levels(book, XING, on, NONE, burden("20000.01")) == ["shanxi-2022-impoverish:20000.01"]


def test_shanxi_15000_flags_dibao_not_an_ordinary_resident_nor_an_unwatched_category(book: PolicyBook) -> None:
    on = date(2026, 3, 5)
    assert levels(book, XING, on, DIBAO, burden("15000")) == ["shanxi-2022-relapse:15000"]
    assert levels(book, XING, on, NONE, burden("15000")) == []
    assert levels(book, XING, on, frozenset({Category.VETERAN_KEY}), burden("15000")) == []


def test_shanxi_warning_names_the_watched_category_held(book: PolicyBook) -> None:
    held = frozenset({Category.STABLE_OUT_OF_POVERTY, Category.VETERAN_KEY})
    [warning] = evaluate(book.monitoring_packs(XING, date(2026, 1, 1)), held, burden("6000.01"), 2026).warnings
    assert (warning.category, warning.rule.level) == (Category.STABLE_OUT_OF_POVERTY, RiskLevel.RELAPSE)


# --- Weihai: 超过 50% / 150% of 37,560.00, burden after basic + critical (assistance added back) ------------------


def test_weihai_edge_household_measures_before_assistance(book: PolicyBook) -> None:
    on = date(2023, 9, 1)
    edge = frozenset({Category.DIBAO_EDGE})
    # line: 37,560.00 × 50% = 18,780.00. Left after all tiers 10,000.00, assistance paid 8,780.00:
    # after basic + critical = 10,000.00 + 8,780.00 = 18,780.00 — not over; 8,780.01 → 18,780.01 is.
    assert levels(book, WEIHAI, on, edge, burden("10000.00", assistance="8780.00")) == []
    assert levels(book, WEIHAI, on, edge, burden("10000.00", assistance="8780.01")) == ["weihai-2023-relapse:18780.01"]


def test_weihai_ordinary_insured_at_150_percent(book: PolicyBook) -> None:
    on = date(2023, 9, 1)
    # 37,560.00 × 150% = 56,340.00
    assert levels(book, WEIHAI, on, NONE, burden("56340.00")) == []
    assert levels(book, WEIHAI, on, NONE, burden("56340.01")) == ["weihai-2023-impoverish:56340.01"]


def test_weihai_without_next_years_income_figure_evaluates_nothing_and_says_so(book: PolicyBook) -> None:
    result = evaluate(book.monitoring_packs(WEIHAI, date(2024, 2, 1)), NONE, burden("90000"), 2024)
    assert result.warnings == ()
    # The line for everyone else (150%) needs the 2024 figure, which the pack does not have.
    assert {(w.pack_id, w.figure, w.year) for w in result.missing} == {("weihai-2023", "shandong_income", 2024)}
    assert "shandong_income" in result.missing[0].message and "2024" in result.missing[0].message


# --- Pengshui: 达到 (at or above); 100% / 200% of the 监测标准, ordinary residents 20,820.00 ------------------------


@pytest.fixture(scope="module")
def pengshui_with_standard(book: PolicyBook) -> PolicyPack:
    """The shipped pack leaves the 2024 防止返贫监测标准 pending; a test value of 7,000.00 stands in for it."""
    pack = book.get("pengshui-2024")
    standard = pack.figures["monitoring_standard"].model_copy(update={"values": {2024: Decimal("7000.00")}})
    return pack.model_copy(update={"figures": {**pack.figures, "monitoring_standard": standard}})


def test_pengshui_ordinary_resident_exactly_at_the_rural_income_is_flagged(book: PolicyBook) -> None:
    on = date(2024, 6, 1)
    assert levels(book, PENGSHUI, on, NONE, burden("20819.99")) == []
    assert levels(book, PENGSHUI, on, NONE, burden("20820.00")) == ["pengshui-2024-ordinary:20820.00"]  # 达到


def test_pengshui_low_income_and_stable_lines(pengshui_with_standard: PolicyPack) -> None:
    packs = [pengshui_with_standard]

    def ids(held: frozenset[Category], amount: str) -> list[str]:
        return [w.rule.id for w in evaluate(packs, held, burden(amount), 2024).warnings]

    assert ids(DIBAO, "6999.99") == []
    assert ids(DIBAO, "7000.00") == ["pengshui-2024-low-income"]  # 100% of 7,000.00, 达到
    stable = frozenset({Category.STABLE_OUT_OF_POVERTY})
    assert ids(stable, "13999.99") == []
    assert ids(stable, "14000.00") == ["pengshui-2024-stable"]  # 2 × 7,000.00
    # Both categories at 14,000.00: both relapse lines hold; the lower (more favourable) one comes first.
    assert ids(DIBAO | stable, "14000.00") == ["pengshui-2024-low-income", "pengshui-2024-stable"]


def test_pengshui_pending_standard_is_reported_not_treated_as_zero(book: PolicyBook) -> None:
    result = evaluate(book.monitoring_packs(PENGSHUI, date(2024, 6, 1)), DIBAO, burden("50000"), 2024)
    assert result.warnings == ()
    assert "monitoring_standard" in result.missing[0].message


# --- Yuecheng: 一件事 high-cost line, 超过 50,000.00, only 特困 / 低保 / 低边 ----------------------------------------


def test_yuecheng_high_cost_line(book: PolicyBook) -> None:
    on = date(2026, 5, 1)
    tekun = frozenset({Category.TEKUN})
    assert levels(book, YUECHENG, on, tekun, burden("50000.00")) == []
    assert levels(book, YUECHENG, on, tekun, burden("50000.01")) == ["yuecheng-2022-high-cost:50000.01"]


def test_yuecheng_watches_no_one_else(book: PolicyBook) -> None:
    on = date(2026, 5, 1)
    assert levels(book, YUECHENG, on, NONE, burden("200000")) == []
    assert levels(book, YUECHENG, on, frozenset({Category.STABLE_OUT_OF_POVERTY}), burden("200000")) == []


# --- Xinzhou: 山西's lines plus 依申请救助 (超过 25% of 27,426.00, in-policy self-pay after basic + critical) -----


def test_xinzhou_counties_get_the_province_lines_and_the_city_line(book: PolicyBook) -> None:
    assert [p.id for p in book.monitoring_packs(XINFU, date(2022, 6, 1))] == ["xinzhou-2022", "shanxi-2022"]
    assert [p.id for p in book.monitoring_packs(XING, date(2022, 6, 1))] == ["shanxi-2022"]


def test_xinzhou_apply_eligible_line(book: PolicyBook) -> None:
    on = date(2022, 8, 1)
    unstable = frozenset({Category.UNSTABLE_OUT_OF_POVERTY})
    # line: 27,426.00 × 25% = 6,856.50. Burden after all tiers 6,000.00 of which in-policy self-pay 5,000.00;
    # assistance paid 1,856.50 → in-policy self-pay after basic + critical = 5,000.00 + 1,856.50 = 6,856.50: not
    # over. Shanxi's relapse line measures 6,000.00 (not over 6,000.00 either).
    at_line = burden("6000.00", assistance="1856.50", self_pay="5000.00")
    assert levels(book, XINFU, on, unstable, at_line) == []
    # One fen more self-pay: 6,856.51 > 6,856.50 (apply) and 6,000.01 > 6,000.00 (relapse): two flags, two levels.
    over = burden("6000.01", assistance="1856.50", self_pay="5000.01")
    assert levels(book, XINFU, on, unstable, over) == [
        "xinzhou-2022-apply-eligible:6856.51",
        "shanxi-2022-relapse:6000.01",
    ]


def test_xinzhou_apply_line_excludes_dibao(book: PolicyBook) -> None:
    held = frozenset({Category.UNSTABLE_OUT_OF_POVERTY, Category.DIBAO})  # 不含已纳入低保…
    over = burden("9000", assistance="1000", self_pay="9000")
    assert levels(book, XINFU, date(2022, 8, 1), held, over) == ["shanxi-2022-relapse:9000"]


# --- parts, years, words -------------------------------------------------------------------------------------------


def test_claim_without_the_split_takes_burden_less_self_expense_as_self_pay() -> None:
    # 1,200.00 left, 200.00 of it out-of-policy self-expense, no in-policy figure sent: self-pay 1,000.00.
    parts = claim_parts(Decimal("5000"), Decimal("1200.00"), None, Decimal("200.00"), Decimal("300"))
    assert parts == BurdenParts(Decimal("5000"), Decimal("1200.00"), Decimal("1000.00"), Decimal("300"))
    assert claim_parts(Decimal("5000"), Decimal("1200"), Decimal("900"), None, Decimal("0")).self_pay == 900


def test_risk_description_word_for_word() -> None:
    text = risk_description(date(2024, 3, 5), "肺恶性肿瘤", Decimal("85000"), Decimal("12000"))
    # 附件1: *年*月*日，因**病，医疗总费用**元，医疗保障报销后个人负担**元，存在因病返贫致贫风险。
    # No zero padding in month and day; amounts with two decimals.
    assert (
        text
        == "2024年3月5日，因肺恶性肿瘤，医疗总费用85000.00元，医疗保障报销后个人负担12000.00元，存在因病返贫致贫风险。"
    )


def test_risk_description_rounds_amounts_to_fen() -> None:
    text = risk_description(date(2025, 12, 31), "脑梗死", Decimal("1234.565"), Decimal("0"))
    assert text == "2025年12月31日，因脑梗死，医疗总费用1234.57元，医疗保障报销后个人负担0.00元，存在因病返贫致贫风险。"


def test_burden_year_is_calendar_year_of_settlement() -> None:
    assert burden_year(date(2025, 12, 31)) == 2025
    assert burden_year(date(2026, 1, 1)) == 2026
