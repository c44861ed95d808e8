"""Properties of the settlement engine over random claims, for every shipped pack with settlement rules.

Besides the shipped packs, two test variants fill in operator parameters the packs leave pending so that the
tiers they gate are exercised too: 忻州 with yearly limits for 特困 and 返贫致贫 and a 倾斜救助 threshold/ratio/limit,
and 彭水 with yearly assistance limits, a critical-illness cap for the untilted and a 倾斜救助 line. Their numbers
are made up for the test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from libs.common.categories import Category
from libs.common.money import FEN
from libs.common.policy import MissingFigure, PolicyPack, load_book
from libs.common.policy.reader import Reader
from libs.common.policy.settlement import HospitalClass, Settlement, Visit
from libs.common.policy.values import Limit, PendingValue, Status
from services.assistance.domain.settlement import ClaimCost, Result, YearToDate, settle
from tests.pack_variants import with_values

BOOK = load_book(Path(__file__).parents[2] / "policies")
ZERO = Decimal("0.00")


def settlement_of(pack: PolicyPack) -> Settlement:
    assert pack.settlement is not None
    return pack.settlement


def _xinzhou_with_tilt() -> PolicyPack:
    # Test variant: 特困 without a yearly limit, 返贫致贫 at 80,000.00 a year; 倾斜救助 line 10,000.00 of yearly
    # in-policy burden, 50% above it, at most 20,000.00 a year.
    values = {
        "settlement.assistance[xinzhou-2022-tekun].annual_limit": "unlimited",
        "settlement.assistance[xinzhou-2022-returned-to-poverty].annual_limit": "80000.00",
        "settlement.tilted.threshold": "10000.00",
        "settlement.tilted.ratio": "0.50",
        "settlement.tilted.annual_limit": "20000.00",
    }
    return with_values(BOOK.get("xinzhou-2022"), "xinzhou-2022-test-tilt", values, "test variant")


def _pengshui_with_limits() -> PolicyPack:
    # Test variant: yearly assistance limits 50,000.00 (80% group) and 30,000.00 (70% group); an ordinary outpatient
    # ratio with a 2,000.00 sub-limit for the 70% group; critical-illness cap 300,000.00 for the untilted; 倾斜救助
    # above 50% of the Chongqing rural income figure (20,820.00 × 0.5 = 10,410.00) at 60%, no limit.
    other = "settlement.assistance[pengshui-2024-other-low-income]"
    values = {
        "settlement.assistance[pengshui-2024-core].annual_limit": "50000.00",
        f"{other}.annual_limit": "30000.00",
        f"{other}.outpatient_limit": "2000.00",
        f"{other}.ratios.outpatient": "0.70",
        "settlement.critical_illness.annual_cap": "300000.00",
        "settlement.tilted.threshold": {"figure": "chongqing_rural_income", "share": "0.5", "status": "unconfirmed"},
        "settlement.tilted.ratio": "0.60",
        "settlement.tilted.annual_limit": "unlimited",
    }
    return with_values(BOOK.get("pengshui-2024"), "pengshui-2024-test-limits", values, "test variant")


SHIPPED = [p for p in BOOK.packs if p.settlement is not None]
PACKS = [*SHIPPED, _xinzhou_with_tilt(), _pengshui_with_limits()]


def test_every_region_pack_with_settlement_rules_is_covered() -> None:
    assert {p.id for p in SHIPPED} == {"xinzhou-2022", "weihai-2023", "yuecheng-2022", "pengshui-2024"}


def money(high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=ZERO, max_value=Decimal(high), places=2, allow_nan=False, allow_infinity=False)


def up_to(high: Decimal) -> st.SearchStrategy[Decimal]:
    return st.one_of(st.just(ZERO), st.just(high), money(str(high)))


def sometimes_zero(high: str) -> st.SearchStrategy[Decimal]:
    return st.one_of(st.just(ZERO), money(high))


@st.composite
def scenarios(draw: st.DrawFn, pack: PolicyPack) -> tuple[ClaimCost, frozenset[Category], YearToDate]:
    rules = settlement_of(pack)
    in_catalog = draw(sometimes_zero("500000.00"))
    out_of_catalog = draw(sometimes_zero("500000.00"))
    # No pack has basic rules: always send what basic paid (≤ the in-catalog cost).
    basic_paid = draw(up_to(in_catalog))
    left = in_catalog - basic_paid
    # Without a critical-illness rule the settlement system must send it; with one, sometimes it does.
    sent = rules.critical_illness is None or draw(st.booleans())
    critical_paid = draw(up_to(left)) if sent else None
    claim = ClaimCost(
        settlement_date=draw(st.dates(pack.effective_from, pack.effective_to or date(2026, 12, 31))),
        visit=draw(st.sampled_from(Visit)),
        in_catalog=in_catalog,
        out_of_catalog=out_of_catalog,
        hospital_class=draw(st.sampled_from(HospitalClass)),
        in_province=draw(st.booleans()),
        basic_paid=basic_paid,
        critical_paid=critical_paid,
    )
    held = draw(st.frozensets(st.sampled_from(Category)))
    ytd = YearToDate(
        critical_base=draw(sometimes_zero("300000.00")),
        critical_paid=draw(sometimes_zero("300000.00")),
        assistance_paid=draw(sometimes_zero("120000.00")),
        outpatient_assistance_paid=draw(sometimes_zero("30000.00")),
        policy_burden=draw(sometimes_zero("100000.00")),
        tilted_paid=draw(sometimes_zero("30000.00")),
    )
    return claim, held, ytd


def amounts(result: Result) -> list[Decimal]:
    return [
        result.basic,
        result.critical_illness,
        result.medical_assistance,
        result.out_of_catalog_assistance,
        result.tilted,
        result.hospital_borne,
        result.burden,
    ]


def unset(pack: PolicyPack, year: int, limit: Limit | None) -> bool:
    """A limit still pending, or a figure without this year's value: a settlement that needed it would raise."""
    try:
        _ = None if limit is None else Reader(pack, year).limit("(test)", limit)
    except MissingFigure:  # PendingValue included
        return True
    return False


def limit_left(pack: PolicyPack, year: int, limit: Limit | None, used: Decimal) -> Decimal | None:
    """What is left of a limit this year; None when there is none (``unlimited``, none at all, or not set)."""
    if limit is None or unset(pack, year, limit):
        return None
    amount = Reader(pack, year).limit("(test)", limit)
    return None if amount is None else max(ZERO, amount - used)


@pytest.mark.parametrize("pack", PACKS, ids=[p.id for p in PACKS])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_settlement_invariants(pack: PolicyPack, data: st.DataObject) -> None:
    claim, held, ytd = data.draw(scenarios(pack))
    try:
        result = settle(pack, claim, held, ytd)
    except PendingValue as exc:
        # Allowed only for a value the pack declares pending (Xinzhou's tilt, Pengshui's cap): named, never a default.
        not_set = {path for path, v in pack.values() if v.status is Status.PENDING and v.value is None}
        assert (exc.pack_id, exc.path in not_set) == (pack.id, True), exc
        return
    except MissingFigure as exc:
        # Allowed only for a figure the pack declares pending (e.g. Pengshui's unstated yearly limit):
        # a clear error naming it, never a silent default.
        assert any(f"'{name}'" in str(exc) for name, f in pack.figures.items() if f.pending), exc
        return
    rules = settlement_of(pack)

    # Every amount is non-negative and in whole fen.
    for amount in amounts(result):
        assert amount >= 0
        assert amount == amount.quantize(FEN)

    # Each tier pays at most what is left before it.
    remaining = claim.in_catalog
    for paid in (result.basic, result.critical_illness, result.medical_assistance, result.tilted):
        assert paid <= remaining
        remaining -= paid
    assert result.hospital_borne <= claim.out_of_catalog
    assert result.out_of_catalog_assistance <= claim.out_of_catalog - result.hospital_borne

    # The payers plus the burden make the total, exactly.
    assert sum(amounts(result), ZERO) == claim.total == result.total

    # Assistance stays within the applying group's yearly limit (and the ordinary-outpatient sub-limit).
    steps = [s for s in result.steps if s.tier == "medical_assistance"]
    if steps:
        (step,) = steps
        assert step.pack_id == pack.id
        group = next(g for g in rules.assistance if g.id == step.rule_id)
        assert held & set(group.categories)
        year = claim.settlement_date.year
        if unset(pack, year, group.annual_limit):
            assert result.medical_assistance + result.out_of_catalog_assistance == 0
        yearly = limit_left(pack, year, group.annual_limit, ytd.assistance_paid)
        if yearly is not None:
            assert result.medical_assistance + result.out_of_catalog_assistance <= yearly
        outpatient = limit_left(pack, year, group.outpatient_limit, ytd.outpatient_assistance_paid)
        if claim.visit is Visit.OUTPATIENT and outpatient is not None:
            assert result.medical_assistance <= outpatient
        # The 90% floor: an in-province stay of a floor group ends at or above 90%, unless all self-pay is assisted.
        floor = group.floor
        if floor is not None and claim.visit is Visit.INPATIENT and claim.in_province and yearly is None:
            covered = result.basic + result.critical_illness + result.medical_assistance
            self_pay = claim.in_catalog - result.basic - result.critical_illness
            floor_ratio = floor.ratio.value
            assert floor_ratio is not None
            assert covered >= (claim.in_catalog * floor_ratio).quantize(FEN) or result.medical_assistance == self_pay
    else:
        assert result.medical_assistance == 0
        assert result.funding is None

    # Tilted assistance stays within its yearly limit; critical illness within its cap when untilted.
    year = claim.settlement_date.year
    if rules.tilted is not None and result.tilted > 0:
        tilted_left = limit_left(pack, year, rules.tilted.annual_limit, ytd.tilted_paid)
        if tilted_left is not None:
            assert result.tilted <= tilted_left
    crit = rules.critical_illness
    if claim.critical_paid is None and crit is not None:
        tilt = crit.tilt
        if tilt is None or not held & set(tilt.categories):
            cap_left = limit_left(pack, year, crit.annual_cap, ytd.critical_paid)
            if cap_left is not None:
                assert result.critical_illness <= cap_left

    # Every value a step names is one of the pack's (or a figure), and none is confirmed.
    paths = {path for path, _ in pack.values()}
    for used in result.used_values:
        assert used.pack_id == pack.id
        assert used.path in paths or used.path.startswith("figures."), used.path
        assert used.status is not Status.CONFIRMED

    # The year-to-date carried forward adds exactly this claim.
    after = result.year_to_date
    assert after.assistance_paid == ytd.assistance_paid + result.medical_assistance + result.out_of_catalog_assistance
    assert after.critical_paid == ytd.critical_paid + result.critical_illness
    assert after.critical_base == ytd.critical_base + claim.in_catalog - result.basic
    assert after.tilted_paid == ytd.tilted_paid + result.tilted

    # Every step names the pack.
    assert all(s.pack_id == pack.id for s in result.steps)
