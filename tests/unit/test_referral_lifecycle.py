"""The referral's states and the answers each agency may give (pure rules, no database)."""

from __future__ import annotations

import pytest

from libs.common.agencies import Agency
from libs.common.categories import Category
from libs.common.messaging.contracts.referral import Outcome
from services.referral import lifecycle
from services.referral.lifecycle import Action, Answer, Refused, Status


def refused(call: object, *args: object) -> tuple[int, str]:
    with pytest.raises(Refused) as info:
        call(*args)  # type: ignore[operator]
    return info.value.status, info.value.rule


def test_open_then_acknowledged_then_resolved_then_corrected() -> None:
    assert lifecycle.acknowledge(Status.OPEN) is Status.ACKNOWLEDGED
    answer = Answer(Outcome.INCLUDED_DIBAO)
    assert lifecycle.resolve(Status.ACKNOWLEDGED, Agency.CIVIL_AFFAIRS, answer) == (Action.RESOLVED, Category.DIBAO)
    # Resolving straight from open is allowed too: acknowledging is optional.
    assert lifecycle.resolve(Status.OPEN, Agency.CIVIL_AFFAIRS, answer)[0] is Action.RESOLVED
    assert lifecycle.resolve(Status.RESOLVED, Agency.CIVIL_AFFAIRS, answer)[0] is Action.CORRECTED


@pytest.mark.parametrize("status", [Status.ACKNOWLEDGED, Status.RESOLVED, Status.WITHDRAWN])
def test_only_an_open_referral_is_acknowledged(status: Status) -> None:
    assert refused(lifecycle.acknowledge, status) == (409, "acknowledge-open-only")


def test_withdrawal_only_while_unanswered_and_final() -> None:
    assert lifecycle.withdraw(Status.OPEN) is Status.WITHDRAWN
    assert lifecycle.withdraw(Status.ACKNOWLEDGED) is Status.WITHDRAWN
    assert refused(lifecycle.withdraw, Status.RESOLVED) == (409, "withdraw-pending-only")
    answer = Answer(Outcome.CASE_BY_CASE)
    assert refused(lifecycle.resolve, Status.WITHDRAWN, Agency.CIVIL_AFFAIRS, answer) == (409, "withdrawn-is-final")


@pytest.mark.parametrize(
    ("outcome", "category"),
    [
        (Outcome.INCLUDED_TEKUN, Category.TEKUN),
        (Outcome.INCLUDED_DIBAO, Category.DIBAO),
        (Outcome.INCLUDED_DIBAO_EDGE, Category.DIBAO_EDGE),
        (Outcome.IDENTIFIED_SERIOUS_ILLNESS_POOR, Category.SERIOUS_ILLNESS_POOR),
        (Outcome.TEMPORARY_ASSISTANCE, None),
        (Outcome.CASE_BY_CASE, None),
    ],
)
def test_civil_affairs_outcomes_and_the_category_each_adds(outcome: Outcome, category: Category | None) -> None:
    assert lifecycle.check_answer(Agency.CIVIL_AFFAIRS, Answer(outcome)) is category


def test_not_eligible_needs_a_reason() -> None:
    assert refused(lifecycle.check_answer, Agency.CIVIL_AFFAIRS, Answer(Outcome.NOT_ELIGIBLE, "  ")) == (
        422,
        "reason-required",
    )
    assert lifecycle.check_answer(Agency.CIVIL_AFFAIRS, Answer(Outcome.NOT_ELIGIBLE, "家庭收入超过低保标准")) is None


def test_an_agency_answers_only_inclusions_it_decides() -> None:
    assert refused(lifecycle.check_answer, Agency.RURAL_REVITALIZATION, Answer(Outcome.INCLUDED_DIBAO)) == (
        422,
        "outcome-authority",
    )
    monitoring = Answer(Outcome.INCLUDED_POVERTY_MONITORING, category=Category.EDGE_OF_POVERTY)
    assert refused(lifecycle.check_answer, Agency.CIVIL_AFFAIRS, monitoring) == (422, "outcome-authority")
    assert lifecycle.check_answer(Agency.RURAL_REVITALIZATION, monitoring) is Category.EDGE_OF_POVERTY


def test_poverty_monitoring_must_name_a_monitoring_category() -> None:
    for category in (None, Category.DIBAO):
        answer = Answer(Outcome.INCLUDED_POVERTY_MONITORING, category=category)
        assert refused(lifecycle.check_answer, Agency.RURAL_REVITALIZATION, answer) == (422, "monitoring-category")


def test_a_category_that_does_not_follow_from_the_outcome_is_refused() -> None:
    answer = Answer(Outcome.INCLUDED_DIBAO, category=Category.TEKUN)
    assert refused(lifecycle.check_answer, Agency.CIVIL_AFFAIRS, answer) == (422, "category-follows-outcome")


def test_withdrawn_is_not_an_answer() -> None:
    answer = Answer(Outcome.WITHDRAWN)
    assert refused(lifecycle.check_answer, Agency.CIVIL_AFFAIRS, answer) == (422, "withdraw-by-withdrawal")


def test_every_outcome_and_status_has_a_chinese_label() -> None:
    assert [o.label for o in Outcome] == [
        "纳入特困",
        "纳入低保",
        "纳入低保边缘",
        "认定因病致贫重病患者",
        "纳入防返贫监测",
        "临时救助",
        "一事一议",
        "不符合条件",
        "撤回",
    ]
    assert [s.label for s in Status] == ["待签收", "已签收", "已反馈", "已撤回"]
