"""A referral's life: open → acknowledged → resolved (with an outcome), or withdrawn by medical security.

Pure: no framework, no I/O. Each refusal names its rule, so the route can answer 409/422 saying which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from libs.common.agencies import Agency
from libs.common.categories import Category
from libs.common.messaging.contracts.referral import Outcome


class Status(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.OPEN: "待签收",
    Status.ACKNOWLEDGED: "已签收",
    Status.RESOLVED: "已反馈",
    Status.WITHDRAWN: "已撤回",
}
# Until an answer (or a withdrawal) arrives the deadline keeps running: acknowledging is not feeding back.
PENDING = frozenset({Status.OPEN, Status.ACKNOWLEDGED})


class Action(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.ACKNOWLEDGED: "签收",
    Action.RESOLVED: "反馈结果",
    Action.CORRECTED: "更正结果",
    Action.WITHDRAWN: "撤回转介",
}

# Which agency decides each identity (DOMAIN.md "Who takes part"); 临时救助 is civil affairs' too. 一事一议 and
# 不符合条件 any addressed agency may answer.
OUTCOME_AUTHORITY: dict[Outcome, Agency] = {
    Outcome.INCLUDED_TEKUN: Agency.CIVIL_AFFAIRS,
    Outcome.INCLUDED_DIBAO: Agency.CIVIL_AFFAIRS,
    Outcome.INCLUDED_DIBAO_EDGE: Agency.CIVIL_AFFAIRS,
    Outcome.IDENTIFIED_SERIOUS_ILLNESS_POOR: Agency.CIVIL_AFFAIRS,
    Outcome.TEMPORARY_ASSISTANCE: Agency.CIVIL_AFFAIRS,
    Outcome.INCLUDED_POVERTY_MONITORING: Agency.RURAL_REVITALIZATION,
}
# The roster category an inclusion adds. 纳入防返贫监测 does not say which monitoring category: the answer names it.
INCLUSION_CATEGORY: dict[Outcome, Category] = {
    Outcome.INCLUDED_TEKUN: Category.TEKUN,
    Outcome.INCLUDED_DIBAO: Category.DIBAO,
    Outcome.INCLUDED_DIBAO_EDGE: Category.DIBAO_EDGE,
    Outcome.IDENTIFIED_SERIOUS_ILLNESS_POOR: Category.SERIOUS_ILLNESS_POOR,
}
MONITORING_CATEGORIES = frozenset(
    {
        Category.RETURNED_TO_POVERTY,
        Category.UNSTABLE_OUT_OF_POVERTY,
        Category.EDGE_OF_POVERTY,
        Category.SUDDEN_HARDSHIP,
        Category.MONITORED_ASSISTED,
    }
)


class Refused(Exception):
    """A transition or answer the rules do not allow; ``status`` is 409 (wrong state) or 422 (wrong answer)."""

    def __init__(self, status: int, rule: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.rule = rule
        self.field = field


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    reason: str | None = None
    category: Category | None = None
    decided_on: date | None = None  # the agency's decision day; the day of the answer when not given


def acknowledge(status: Status) -> Status:
    if status is not Status.OPEN:
        raise Refused(409, "acknowledge-open-only", f"only an open referral can be acknowledged; this one is {status}")
    return Status.ACKNOWLEDGED


def resolve(status: Status, agency: Agency, answer: Answer) -> tuple[Action, Category | None]:
    """Check an answer of the addressed ``agency``; returns the ledger action and the roster category it adds.

    A resolved referral may be answered again: that is a correction, recorded as a new entry."""
    if status is Status.WITHDRAWN:
        raise Refused(409, "withdrawn-is-final", "the referral was withdrawn by medical security; it takes no answer")
    category = check_answer(agency, answer)
    return (Action.CORRECTED if status is Status.RESOLVED else Action.RESOLVED), category


def check_answer(agency: Agency, answer: Answer) -> Category | None:
    outcome = answer.outcome
    if outcome is Outcome.WITHDRAWN:
        raise Refused(422, "withdraw-by-withdrawal", "撤回 is not an answer: medical security withdraws", "outcome")
    if outcome is Outcome.NOT_ELIGIBLE and not (answer.reason or "").strip():
        raise Refused(422, "reason-required", "不符合条件 needs a reason / 请填写不符合条件的原因", "reason")
    decider = OUTCOME_AUTHORITY.get(outcome)
    if decider is not None and decider is not agency:
        raise Refused(
            422,
            "outcome-authority",
            f"{outcome.label} is decided by {decider.label}, not {agency.label} / 该结果不属于本部门职责",
            "outcome",
        )
    if outcome is Outcome.INCLUDED_POVERTY_MONITORING:
        if answer.category not in MONITORING_CATEGORIES:
            names = "、".join(sorted(c.label for c in MONITORING_CATEGORIES))
            raise Refused(
                422, "monitoring-category", f"纳入防返贫监测 must name the category, one of: {names}", "category"
            )
        return answer.category
    if answer.category is not None and answer.category is not INCLUSION_CATEGORY.get(outcome):
        message = f"{outcome.label} does not add {answer.category.label}"
        raise Refused(422, "category-follows-outcome", message, "category")
    return INCLUSION_CATEGORY.get(outcome)


def check_decided_on(decided_on: date, opened_on: date, answered_on: date) -> None:
    """The agency decides after the referral reached it and no later than it answers."""
    if decided_on > answered_on:
        message = f"decided_on {decided_on} is after the day of the answer {answered_on} / 决定日期不能晚于反馈日期"
        raise Refused(422, "decided-by-answer", message, "decided_on")
    if decided_on < opened_on:
        message = f"decided_on {decided_on} is before the referral was opened on {opened_on} / 决定日期不能早于转介日期"
        raise Refused(422, "decided-after-opening", message, "decided_on")


def withdraw(status: Status) -> Status:
    if status not in PENDING:
        message = f"only an unanswered referral can be withdrawn; this one is {status}"
        raise Refused(409, "withdraw-pending-only", message)
    return Status.WITHDRAWN
