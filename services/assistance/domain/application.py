"""Assistance outside the per-claim tiers: on application (依申请救助), and retroactive windows."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from libs.common.categories import Category
from libs.common.money import to_yuan
from libs.common.policy import PolicyPack
from libs.common.policy.explanation import EngineError, Step
from libs.common.policy.reader import Reader
from libs.common.policy.settlement import Retroactive

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ApplicationQuote:
    line: Decimal  # the yearly self-pay above which assistance starts
    amount: Decimal  # what is still due for the year (after what was already paid on earlier applications)
    steps: tuple[Step, ...]


def application_assistance(
    pack: PolicyPack, held: frozenset[Category], year: int, in_policy_self_pay: Decimal, already_paid: Decimal = ZERO
) -> ApplicationQuote:
    """依申请救助: the year's in-policy inpatient self-pay above the line, at the ratio, up to the limit."""
    rules = pack.settlement.application_based if pack.settlement else ()
    rule = next((r for r in rules if held & set(r.categories) and not held & set(r.excludes)), None)
    if rule is None:
        raise EngineError("categories", "application_eligible", f"pack {pack.id}: no application-based rule for them")
    read, at = Reader(pack, year), f"settlement.application_based[{rule.id}]"
    line = read.sum(f"{at}.line", rule.line)
    ratio = read.ratio(f"{at}.ratio", rule.ratio)
    due = to_yuan(max(ZERO, in_policy_self_pay - line) * ratio)
    limit = read.limit(f"{at}.annual_limit", rule.annual_limit)
    if limit is not None:
        due = min(due, limit)
    amount = max(ZERO, due - already_paid)
    note = f"依申请救助: 年度政策范围内住院自付 {in_policy_self_pay} 超过 {line} 的部分 × {ratio}"
    step = Step("application", pack.id, rule.id, in_policy_self_pay, ratio, amount, note, read.used)
    return ApplicationQuote(line, amount, (step,))


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, or that month's last day when it is shorter (31 Aug − 6 → 28/29 Feb)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month0 + 1, min(day.day, monthrange(year, month0 + 1)[1]))


def retroactive_window(
    pack: PolicyPack, category: Category, identified_on: date, applied_on: date | None = None
) -> tuple[Retroactive, date, date] | None:
    """The period before identification whose costs count for assistance, as (rule, first day, identified_on).

    Yuecheng: the 6 months before identification; Weihai: back to 2022-01-01 for those who applied by 2023-06-30.
    """
    rules = pack.settlement.retroactive if pack.settlement else ()
    for rule in rules:
        if category not in rule.categories:
            continue
        if rule.applied_by is not None and (applied_on is None or applied_on > date.fromisoformat(rule.applied_by)):
            continue
        if rule.months_before_identification is not None:
            return rule, _months_before(identified_on, rule.months_before_identification), identified_on
        if rule.back_to is not None:
            return rule, date.fromisoformat(rule.back_to), identified_on
    return None
