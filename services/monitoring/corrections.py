"""Which claims count: the order-independent rule for duplicates and 冲销/更正 chains. Pure.

- A claim id counts once: the first version stored wins, a resend is ignored.
- A claim that names ``corrects_claim_id`` replaces the claim it names (a reversal sends zeros); a correction may
  itself be corrected, so only the end of a chain counts.
- A correction that arrives before its original is stored and counts; the original, when it arrives, is
  already replaced and counts nothing. So the claims that count are always "every claim no other known claim
  corrects", whatever the order of arrival — which is what makes the live totals equal a rebuild.
- Each claim counts in its own burden year (its settlement date): a claim for last year counts in last year,
  and a correction dated this year moves the amount it carries to this year.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.monitoring.domain import BurdenParts


@dataclass(frozen=True)
class ClaimFact:
    claim_id: str
    person_key: str
    year: int
    parts: BurdenParts
    corrects_claim_id: str | None = None


def year_totals(arrivals: Iterable[ClaimFact]) -> dict[tuple[str, int], BurdenParts]:
    """The yearly totals per (person, year) that the claims, in any order and with resends, add up to."""
    facts: dict[str, ClaimFact] = {}
    for fact in arrivals:
        facts.setdefault(fact.claim_id, fact)
    corrected = {f.corrects_claim_id for f in facts.values() if f.corrects_claim_id is not None}
    totals: dict[tuple[str, int], BurdenParts] = {}
    for fact in facts.values():
        key = (fact.person_key, fact.year)
        # Every person-year with a claim has a row, even if a reversal took it back to zero.
        totals[key] = totals.get(key, BurdenParts())
        if fact.claim_id not in corrected:
            totals[key] = totals[key].plus(fact.parts)
    return totals
