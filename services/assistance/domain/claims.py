"""Claims as the settlement system reports them. Pure: no framework, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class ClaimRejected(ValueError):
    """A claim that cannot be true; ``field`` and ``rule`` name what is wrong."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


@dataclass(frozen=True)
class SettledClaim:
    claim_id: str
    person_key: str
    id_number: str
    name: str
    region_code: str
    settlement_date: date
    diagnosis: str
    total_cost: Decimal
    basic_insurance_paid: Decimal
    critical_illness_paid: Decimal
    medical_assistance_paid: Decimal
    other_paid: Decimal
    personal_burden: Decimal
    corrects_claim_id: str | None = None

    def __post_init__(self) -> None:
        # Every yuan of the cost is paid by someone: the payers plus the person's own burden make the total.
        paid = self.basic_insurance_paid + self.critical_illness_paid + self.medical_assistance_paid
        accounted = paid + self.other_paid + self.personal_burden
        if accounted != self.total_cost:
            raise ClaimRejected(
                "total_cost",
                "payers_plus_burden_equal_total",
                f"basic + critical illness + assistance + other + personal burden = {accounted}, "
                f"but total_cost = {self.total_cost} / 各项支付与个人负担之和应等于医疗总费用",
            )
        if self.corrects_claim_id == self.claim_id:
            raise ClaimRejected("corrects_claim_id", "not_self", "a claim cannot correct itself / 不能更正自身")
