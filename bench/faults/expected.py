"""What the system must end with, worked out from the workload and the policy pack's YAML alone.

A claim counts once, in the calendar year of its settlement date. The workload's county (141123) is governed by
shanxi-2022 only, and its persons are on no roster, so the pack's rule for everyone else (``others: true``) is the
one that applies: a person-year whose burden after every tier is over its line is flagged once at that level, and
each flag opens one referral per agency the pack's referral section names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from bench.faults.workload import Claim, person_key

PACK = Path(__file__).resolve().parents[2] / "policies" / "shanxi-2022.yaml"

PersonYear = tuple[str, int]  # person key, year
FlagKey = tuple[str, int, str]  # person key, year, level
ReferralKey = tuple[str, int, str, str]  # person key, year, level, agency


@dataclass(frozen=True)
class Line:
    rule_id: str
    level: str
    threshold: Decimal
    agencies: tuple[str, ...]


def line_for_others(pack: Path = PACK) -> Line:
    doc: dict[str, Any] = yaml.safe_load(pack.read_text(encoding="utf-8"))
    [rule] = [r for r in doc["monitoring"]["rules"] if r.get("others")]
    if rule["comparison"] != "greater_than" or doc["monitoring"]["burden"] != "after_all_tiers":
        raise ValueError(f"{pack.name}: the suite expects 'greater_than' on the burden after all tiers")
    return Line(rule["id"], rule["level"], Decimal(str(rule["threshold"])), tuple(doc["referral"]["agencies"]))


@dataclass
class Expected:
    claims: dict[str, PersonYear] = field(default_factory=dict)
    totals: dict[PersonYear, tuple[Decimal, Decimal]] = field(default_factory=dict)  # total cost, burden
    flags: set[FlagKey] = field(default_factory=set)
    referrals: set[ReferralKey] = field(default_factory=set)


def expect(claims: Iterable[Claim], line: Line) -> Expected:
    result = Expected()
    sums: dict[PersonYear, list[Decimal]] = defaultdict(lambda: [Decimal("0.00"), Decimal("0.00")])
    for claim in claims:
        key = (person_key(claim.person), claim.year)
        result.claims[claim.claim_id] = key
        sums[key][0] += claim.total_cost
        sums[key][1] += claim.burden
    result.totals = {k: (v[0], v[1]) for k, v in sums.items()}
    for (person, year), (_, burden) in result.totals.items():
        if burden > line.threshold:
            result.flags.add((person, year, line.level))
            result.referrals.update((person, year, line.level, agency) for agency in line.agencies)
    return result
