"""The invariants: the state read from the services set against the expectations. Every figure must be 0."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from decimal import Decimal

from bench.faults.expected import Expected, Line
from bench.faults.state import State


@dataclass(frozen=True)
class Figures:
    claims_lost: int = 0  # expected claims not in claim_facts
    double_counted: int = 0  # claim_facts rows no claim explains, and person-years summing above their claim facts
    wrong_totals: int = 0  # person-years whose year_burdens differ from the expected sums (or are missing/extra)
    wrong_flags: int = 0  # flags nobody should have, or whose rule or burden does not fit
    missing_flags: int = 0
    duplicate_flags: int = 0
    wrong_referrals: int = 0  # referrals of no flag, or to an agency the pack does not name
    missing_referrals: int = 0
    duplicate_referrals: int = 0
    dead_lettered_not_poison: int = 0
    poison_not_dead_lettered: int = 0
    services_exited: int = 0  # service processes that ended without the suite killing them
    rest_refused: int = 0  # REST posts never answered 200/201 (their claims count as lost too)
    rest_500: int = 0  # a duplicate or an outage is answered 200/201 or 503, never 500

    def failures(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def minus(self, before: Figures) -> Figures:
        """What appeared since ``before`` (what healed since counts 0, not below)."""
        return Figures(**{f.name: max(0, getattr(self, f.name) - getattr(before, f.name)) for f in fields(self)})


def check(
    state: State, expected: Expected, line: Line, poison: set[str], *, exited: int, refused: int, rest_500: int
) -> Figures:
    lost = sum(1 for c in expected.claims if c not in state.facts)
    unexplained = sum(1 for c in state.facts if c not in expected.claims)
    from_facts: dict[tuple[str, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for person, year, total_cost, burden in state.facts.values():
        from_facts[(person, year)][0] += total_cost
        from_facts[(person, year)][1] += burden
    above_facts = sum(1 for k, (t, b) in state.totals.items() if k in from_facts and (t, b) > tuple(from_facts[k]))
    wrong_totals = sum(1 for k, v in expected.totals.items() if state.totals.get(k) != v)
    wrong_totals += sum(1 for k in state.totals if k not in expected.totals)

    seen = Counter((f.person_key, f.year, f.level) for f in state.flags)
    wrong_flags = sum(1 for k in seen if k not in expected.flags)
    for f in state.flags:
        key = (f.person_key, f.year, f.level)
        year_burden = expected.totals.get((f.person_key, f.year), (Decimal(0), Decimal(0)))[1]
        fits = f.rule_id == line.rule_id and line.threshold < f.cumulative_burden <= year_burden
        wrong_flags += key in expected.flags and not fits
    flag_of = {f.flag_id: (f.person_key, f.year, f.level) for f in state.flags}

    opened = Counter(state.referrals)
    wrong_referrals = sum(1 for flag_id, agency in opened if flag_id not in flag_of or agency not in line.agencies)
    got_referrals = {(*flag_of[flag_id], agency) for flag_id, agency in opened if flag_id in flag_of}

    dead = {key for _, key in state.dead_letters}
    return Figures(
        claims_lost=lost,
        double_counted=unexplained + above_facts,
        wrong_totals=wrong_totals,
        wrong_flags=wrong_flags,
        missing_flags=sum(1 for k in expected.flags if k not in seen),
        duplicate_flags=sum(n - 1 for n in seen.values()),
        wrong_referrals=wrong_referrals,
        missing_referrals=sum(1 for k in expected.referrals if k not in got_referrals),
        duplicate_referrals=sum(n - 1 for n in opened.values()),
        dead_lettered_not_poison=sum(1 for _, key in state.dead_letters if key not in poison),
        poison_not_dead_lettered=len(poison - dead),
        services_exited=exited,
        rest_refused=refused,
        rest_500=rest_500,
    )
