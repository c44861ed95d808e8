"""Why each yuan was paid: every engine and calculator result carries the rule steps that produced it.

Each step also names the values it used that are not confirmed (``values``: an unconfirmed reading, a provisional
pending value, an unconfirmed figure), so an officer reading the explanation sees which numbers still await a check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from libs.common.policy.values import UsedValue


@dataclass(frozen=True)
class Step:
    tier: str  # basic | critical_illness | medical_assistance | out_of_catalog | tilted | application | subsidy
    pack_id: str
    rule_id: str
    base: Decimal  # the amount the rule was applied to
    ratio: Decimal | None
    amount: Decimal  # what this step paid (or capped, for the hospital-borne step)
    note: str  # what happened, in words an agency officer reads
    values: tuple[UsedValue, ...] = ()  # the pack values it used that are not confirmed


def steps_as_json(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    """Steps for an API answer or a stored explanation: amounts and ratios as exact decimal strings."""
    return [
        {
            **asdict(s),
            "base": str(s.base),
            "amount": str(s.amount),
            "ratio": None if s.ratio is None else str(s.ratio),
            "values": [used_as_json(v) for v in s.values],
        }
        for s in steps
    ]


def used_as_json(value: UsedValue) -> dict[str, str]:
    return {**asdict(value), "status": value.status.value}


def unconfirmed_values(steps: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The values named by any step of an explanation (stored or fresh), each once, in the order first named."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for step in steps:
        for value in step.get("values", ()):
            seen.setdefault((value["pack_id"], value["path"]), value)
    return list(seen.values())


class EngineError(ValueError):
    """The claim cannot be settled as given; ``field`` names the input (or pack figure) that is wrong."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
