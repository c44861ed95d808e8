"""Waiting periods (待遇等待期): Xinzhou waives them in principle on transfer or involuntary interruption for
its vulnerable groups; Pengshui for its 8 groups without condition; anyone else waits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from libs.common.categories import Category
from libs.common.policy import load_book
from libs.common.policy.waiting import Circumstance, WaitingPeriod, decide

BOOK = load_book(Path(__file__).parents[2] / "policies")


def rules(county: str, on: date) -> WaitingPeriod:
    pack = BOOK.for_county(county, on, "waiting_period")
    assert pack.waiting_period is not None
    return pack.waiting_period


@pytest.mark.parametrize("category", [Category.TEKUN, Category.DIBAO, Category.RETURNED_TO_POVERTY,
                                      Category.UNSTABLE_OUT_OF_POVERTY, Category.EDGE_OF_POVERTY])  # fmt: skip
@pytest.mark.parametrize("circumstance", [Circumstance.TRANSFER, Circumstance.INVOLUNTARY_INTERRUPTION])
def test_xinzhou_waives_in_principle(category: Category, circumstance: Circumstance) -> None:
    decision = decide(rules("140902", date(2023, 5, 1)), frozenset({category}), circumstance)
    assert (decision.waived, decision.rule_id, decision.in_principle) == (True, "xinzhou-2022-no-waiting", True)
    assert decision.note == "原则上不设待遇享受等待期"


def test_xinzhou_other_circumstances_and_groups_wait() -> None:
    xinzhou = rules("140902", date(2023, 5, 1))
    assert not decide(xinzhou, frozenset({Category.DIBAO}), Circumstance.OTHER).waived
    assert not decide(xinzhou, frozenset({Category.STABLE_OUT_OF_POVERTY}), Circumstance.TRANSFER).waived


def test_pengshui_waives_for_its_eight_groups_whatever_the_circumstance() -> None:
    pengshui = rules("500243", date(2024, 3, 1))
    for circumstance in Circumstance:
        assert decide(pengshui, frozenset({Category.STABLE_OUT_OF_POVERTY}), circumstance).waived
    assert not decide(pengshui, frozenset({Category.OTHER_RESIDENT}), Circumstance.OTHER).waived


def test_lueliang_has_no_waiver_rules() -> None:
    from libs.common.policy import NoPolicy

    with pytest.raises(NoPolicy, match="waiting_period"):
        BOOK.for_county("141123", date(2023, 5, 1), "waiting_period")
