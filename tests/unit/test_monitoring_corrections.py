"""The correction rule in plain Python: which claims count, whatever the order they arrive in."""

from __future__ import annotations

from decimal import Decimal
from itertools import permutations

from services.monitoring.corrections import ClaimFact, year_totals
from services.monitoring.domain import BurdenParts


def fact(claim_id: str, burden: str, corrects: str | None = None, year: int = 2026) -> ClaimFact:
    b = Decimal(burden)
    return ClaimFact(claim_id, "p1", year, BurdenParts(b, b, b, Decimal(0)), corrects)


def test_a_chain_counts_its_last_link_in_every_order() -> None:
    # 5,000.00 corrected to 3,000.00, then to 4,000.00; plus an unrelated 1,000.00: 4,000.00 + 1,000.00 = 5,000.00
    claims = [fact("A", "5000.00"), fact("B", "3000.00", "A"), fact("C", "4000.00", "B"), fact("D", "1000.00")]
    for order in permutations(claims):
        assert year_totals(order)[("p1", 2026)].burden == Decimal("5000.00")


def test_a_reversal_leaves_a_zero_year_and_a_resend_counts_once() -> None:
    totals = year_totals([fact("A", "700.00"), fact("A", "700.00"), fact("R", "0.00", "A")])
    assert totals == {("p1", 2026): BurdenParts()}


def test_a_correction_moves_the_amount_to_its_own_year() -> None:
    # Last year's 800.00 corrected by a claim settled this year for 500.00: 2025 → 0.00, 2026 → 500.00.
    totals = year_totals([fact("A", "800.00", year=2025), fact("B", "500.00", "A", year=2026)])
    assert totals[("p1", 2025)].burden == Decimal("0.00")
    assert totals[("p1", 2026)].burden == Decimal("500.00")
