"""Monitoring rules on the shipped Shanxi pack: thresholds at the fen, the 附件1 risk description."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.categories import Category
from libs.common.messaging.contracts.monitoring import RiskLevel
from libs.common.policy import PolicyPack, load_pack
from services.monitoring.domain import ClaimAmounts, burden_year, evaluate, risk_description

SHANXI_FILE = Path(__file__).resolve().parents[2] / "policies" / "shanxi-2022.yaml"
DIBAO = frozenset({Category.DIBAO})
ORDINARY: frozenset[Category] = frozenset()


@pytest.fixture(scope="module")
def shanxi() -> PolicyPack:
    return load_pack(SHANXI_FILE)


def test_dibao_at_threshold_is_not_over(shanxi: PolicyPack) -> None:
    assert evaluate(shanxi, DIBAO, Decimal("6000.00"), 2026) is None  # 超过 0.6万: 6000.00 is not over


def test_dibao_one_fen_over(shanxi: PolicyPack) -> None:
    warning = evaluate(shanxi, DIBAO, Decimal("6000.01"), 2026)
    assert warning is not None
    assert warning.rule.id == "shanxi-2022-relapse"
    assert warning.rule.level is RiskLevel.RELAPSE
    assert warning.category is Category.DIBAO


def test_ordinary_resident_at_threshold_is_not_over(shanxi: PolicyPack) -> None:
    assert evaluate(shanxi, ORDINARY, Decimal("20000.00"), 2026) is None


def test_ordinary_resident_one_fen_over(shanxi: PolicyPack) -> None:
    warning = evaluate(shanxi, ORDINARY, Decimal("20000.01"), 2026)
    assert warning is not None
    assert warning.rule.id == "shanxi-2022-impoverish"
    assert warning.rule.level is RiskLevel.IMPOVERISH
    assert warning.category is None


def test_15000_flags_dibao_but_not_ordinary_resident(shanxi: PolicyPack) -> None:
    assert evaluate(shanxi, ORDINARY, Decimal("15000"), 2026) is None
    warning = evaluate(shanxi, DIBAO, Decimal("15000"), 2026)
    assert warning is not None
    assert warning.rule.id == "shanxi-2022-relapse"


def test_unwatched_category_uses_the_others_rule(shanxi: PolicyPack) -> None:
    veteran = frozenset({Category.VETERAN_KEY})
    assert evaluate(shanxi, veteran, Decimal("15000"), 2026) is None
    warning = evaluate(shanxi, veteran, Decimal("20000.01"), 2026)
    assert warning is not None
    assert (warning.rule.id, warning.category) == ("shanxi-2022-impoverish", None)


def test_warning_names_a_watched_category_the_person_holds(shanxi: PolicyPack) -> None:
    # Held: 稳定脱贫 (watched) and 重点优抚 (not watched); the warning must name the watched one.
    warning = evaluate(
        shanxi, frozenset({Category.STABLE_OUT_OF_POVERTY, Category.VETERAN_KEY}), Decimal("6000.01"), 2026
    )
    assert warning is not None
    assert warning.category is Category.STABLE_OUT_OF_POVERTY


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


def test_claim_amounts_minus() -> None:
    # A correction replaces 300.00/120.50 by 250.00/100.00: the difference is 50.00/20.50.
    old = ClaimAmounts(Decimal("300.00"), Decimal("120.50"))
    new = ClaimAmounts(Decimal("250.00"), Decimal("100.00"))
    assert old.minus(new) == ClaimAmounts(Decimal("50.00"), Decimal("20.50"))
