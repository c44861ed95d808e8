"""Why each yuan was paid: every engine and calculator result carries the rule steps that produced it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Step:
    tier: str  # basic | critical_illness | medical_assistance | out_of_catalog | tilted | application | subsidy
    pack_id: str
    rule_id: str
    base: Decimal  # the amount the rule was applied to
    ratio: Decimal | None
    amount: Decimal  # what this step paid (or capped, for the hospital-borne step)
    note: str  # what happened, in words an agency officer reads


def steps_as_json(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    """Steps for an API answer or a stored explanation: amounts and ratios as exact decimal strings."""
    return [
        {**asdict(s), "base": str(s.base), "amount": str(s.amount), "ratio": None if s.ratio is None else str(s.ratio)}
        for s in steps
    ]


class EngineError(ValueError):
    """The claim cannot be settled as given; ``field`` names the input (or pack figure) that is wrong."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
