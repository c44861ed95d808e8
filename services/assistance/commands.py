"""Commands the assistance service accepts (orders, immutable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.assistance.domain.settlement import ClaimCost


@dataclass(frozen=True)
class AsSettled:
    """Tier amounts the settlement system already paid: recorded as they are."""

    basic_insurance_paid: Decimal
    critical_illness_paid: Decimal
    medical_assistance_paid: Decimal
    other_paid: Decimal
    personal_burden: Decimal


@dataclass(frozen=True)
class RecordClaim:
    claim_id: str
    person_key: str
    id_number: str
    name: str
    region_code: str
    settlement_date: date
    diagnosis: str
    total_cost: Decimal
    fingerprint: str  # of the request as received: a resend is recognised, a changed resend conflicts
    as_settled: AsSettled | None = None  # either the amounts paid…
    cost: ClaimCost | None = None  # …or the breakdown the engine settles
    corrects_claim_id: str | None = None
