"""Ratios and limits as sourced pack values: "no limit" is written, "not set" is pending, neither is null.

Every ratio, sum and limit carries a status (confirmed / unconfirmed / pending) and a source; a calculation reads
them through a Reader, so the values it used that are not confirmed reach its explanation, and one still pending
stops it with a problem naming the pack and the value.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.categories import Category
from libs.common.policy import PolicyError, PolicyPack, load_book, load_pack
from libs.common.policy.settlement import Settlement, Visit
from libs.common.policy.subsidy_quote import quote
from libs.common.policy.values import PendingValue, Status
from services.assistance.domain.settlement import ClaimCost, YearToDate, settle

POLICIES = Path(__file__).resolve().parents[2] / "policies"
BOOK = load_book(POLICIES)
DIBAO = frozenset({Category.DIBAO})


def yuan(text: str) -> Decimal:
    return Decimal(text)


def small_pack(**group: object) -> PolicyPack:
    """A pack built in the test with one 低保 assistance group (not a real region's rules)."""
    settlement = Settlement.model_validate(
        {
            "assistance": [
                {
                    "id": "test-dibao",
                    "categories": ["dibao"],
                    "status": "confirmed",
                    "ratios": {"inpatient": "0.50"},
                    "source": "built by the test",
                    **group,
                }
            ]
        }
    )
    return PolicyPack(
        id="test-small",
        name="test pack",
        region_code="999999",
        source="built by the test",
        effective_from=date(2022, 1, 1),
        settlement=settlement,
    )


def stay(in_catalog: str, basic_paid: str) -> ClaimCost:
    return ClaimCost(
        settlement_date=date(2024, 5, 1),
        visit=Visit.INPATIENT,
        in_catalog=yuan(in_catalog),
        basic_paid=yuan(basic_paid),
        critical_paid=yuan("0.00"),
    )


# --- the loader -----------------------------------------------------------------------------------------


def _xinzhou_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (POLICIES / "xinzhou-2022.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1, f"fixture text {old!r} not once in the shipped pack"
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_the_loader_refuses_a_limit_written_as_a_bare_null(tmp_path: Path) -> None:
    path = _xinzhou_variant(tmp_path, '      annual_limit: "60000.00"\n', "      annual_limit: null\n")
    with pytest.raises(PolicyError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert "settlement.assistance.2" in message  # the 低保 group, third in the list
    assert "annual_limit: null is not a value" in message
    assert "`unlimited`" in message and "{pending: who sets it}" in message


def test_the_loader_refuses_a_group_that_leaves_its_limit_out(tmp_path: Path) -> None:
    # Absence is not "no limit" either: the field is required.
    path = _xinzhou_variant(tmp_path, '      annual_limit: "60000.00"\n', "")
    with pytest.raises(PolicyError, match=r"settlement\.assistance\.2\.annual_limit: Field required"):
        load_pack(path)


def test_the_loader_refuses_a_tilt_threshold_written_as_null(tmp_path: Path) -> None:
    old = '    threshold: {pending: "倾斜救助 yearly in-policy burden line — operator (市医保局) to set"}\n'
    with pytest.raises(PolicyError, match="threshold: null is not a value"):
        load_pack(_xinzhou_variant(tmp_path, old, "    threshold: null\n"))


def test_a_plain_value_needs_its_section_to_state_a_status(tmp_path: Path) -> None:
    # The 低保 group without `status`: its plain 0.70 would have no status, and the loader says so.
    old = "      categories: [dibao]\n      status: confirmed\n"
    with pytest.raises(PolicyError, match="takes the section's — give the section a `status`"):
        load_pack(_xinzhou_variant(tmp_path, old, "      categories: [dibao]\n"))


def test_a_pending_value_must_say_who_sets_it() -> None:
    with pytest.raises(ValueError, match="must say in 'pending' who sets it"):
        small_pack(annual_limit={"status": "pending"})


def test_every_value_of_every_shipped_pack_has_a_status_and_a_source() -> None:
    seen = 0
    for pack in BOOK.packs:
        for path, value in pack.values():
            seen += 1
            assert value.source.strip(), f"{pack.id}: {path} has no source"
            if value.status is Status.PENDING:
                assert value.pending, f"{pack.id}: {path} is pending without saying who sets it"
    assert seen > 50


# --- the engine: unlimited, pending, provisional ------------------------------------------------------------


def test_unlimited_pays_without_a_cap() -> None:
    # `unlimited`: with 1,000,000.00 already paid this year, a stay with self-pay 40,000.00 (in-catalog 100,000.00,
    # basic 60,000.00) still gets 40,000.00 × 0.50 = 20,000.00, and the explanation shows nothing unconfirmed.
    pack = small_pack(annual_limit="unlimited")
    result = settle(pack, stay("100000.00", "60000.00"), DIBAO, YearToDate(assistance_paid=yuan("1000000.00")))
    assert result.medical_assistance == yuan("20000.00")
    assert result.burden == yuan("20000.00")
    assert result.used_values == ()


def test_a_limit_caps_where_unlimited_does_not() -> None:
    # The same stay with a 30,000.00 limit and 1,000,000.00 paid: nothing is left → 0.00.
    pack = small_pack(annual_limit="30000.00")
    result = settle(pack, stay("100000.00", "60000.00"), DIBAO, YearToDate(assistance_paid=yuan("1000000.00")))
    assert result.medical_assistance == yuan("0.00")


def test_a_pending_limit_is_a_problem_naming_the_pack_and_the_value() -> None:
    pack = small_pack(annual_limit={"pending": "the county to set it"})
    with pytest.raises(PendingValue) as caught:
        settle(pack, stay("100000.00", "60000.00"), DIBAO, YearToDate())
    assert (caught.value.pack_id, caught.value.path) == ("test-small", "settlement.assistance[test-dibao].annual_limit")
    assert str(caught.value) == (
        "pack test-small: settlement.assistance[test-dibao].annual_limit is pending (the county to set it)"
    )
    assert caught.value.error()["field"] == "test-small:settlement.assistance[test-dibao].annual_limit"


def test_a_pending_limit_is_not_needed_when_nothing_is_paid() -> None:
    # Basic insurance paid the whole stay: no self-pay, no assistance, so no limit is read.
    pack = small_pack(annual_limit={"pending": "the county to set it"})
    result = settle(pack, stay("1000.00", "1000.00"), DIBAO, YearToDate())
    assert (result.medical_assistance, result.burden) == (yuan("0.00"), yuan("0.00"))


def test_a_provisional_pending_value_is_used_and_named_as_pending() -> None:
    # Pending, with a value to use meanwhile (暂定): the stay's 40,000.00 × 0.50 = 20,000.00 is capped at the
    # provisional 15,000.00, and the explanation names the value as pending, with who must set it for good.
    limit = {"value": "15000.00", "status": "pending", "pending": "暂定 — the county to confirm", "source": "暂定"}
    result = settle(small_pack(annual_limit=limit), stay("100000.00", "60000.00"), DIBAO, YearToDate())
    assert result.medical_assistance == yuan("15000.00")
    (used,) = result.used_values
    assert (used.path, used.status, used.value, used.source) == (
        "settlement.assistance[test-dibao].annual_limit",
        Status.PENDING,
        "15000.00",
        "暂定",
    )


@pytest.mark.parametrize(
    ("pack_id", "held", "critical_paid"),
    [
        ("yuecheng-2022", DIBAO, "0.00"),  # an unconfirmed ratio, used
        ("xinzhou-2022", frozenset({Category.TEKUN}), "0.00"),  # an unconfirmed ratio, then a pending limit
        ("pengshui-2024", frozenset({Category.OTHER_RESIDENT}), None),  # an unconfirmed ratio, then a pending cap
    ],
)
def test_every_path_an_explanation_or_a_problem_names_is_a_value_of_the_pack(
    pack_id: str, held: frozenset[Category], critical_paid: str | None
) -> None:
    # The engine builds each path by hand; they must be the pack's own (PolicyPack.values()), or an operator
    # could not find the value an explanation or a problem names.
    pack = BOOK.get(pack_id)
    paths = {path for path, _ in pack.values()}
    claim = ClaimCost(
        settlement_date=max(pack.effective_from, date(2024, 5, 1)),
        visit=Visit.INPATIENT,
        in_catalog=yuan("50000.00"),
        basic_paid=yuan("25000.00"),
        critical_paid=None if critical_paid is None else yuan(critical_paid),
    )
    try:
        named = [v.path for v in settle(pack, claim, held, YearToDate()).used_values]
    except PendingValue as exc:
        named = [exc.path]
    assert named
    assert all(path in paths for path in named), (named, sorted(paths))


# --- the subsidy quote ----------------------------------------------------------------------------------


def test_a_subsidy_quote_names_the_unconfirmed_standard_and_the_read_share() -> None:
    # 威海 2023, 低保, tier 1: 按一档缴费标准给予定额资助 read as 1.00 × the tier-1 standard 380.00 = 380.00. The
    # standard is the national minimum (unconfirmed figure) and the 1.00 a reading: the step names both.
    q = quote(BOOK.get("weihai-2023"), DIBAO, 2023, 1)
    assert q.subsidy == yuan("380.00")
    named = {v.path: v for v in q.steps[0].values}
    assert set(named) == {"figures.contribution_tier1", "subsidy.rules[weihai-2023-tier1-fixed].share"}
    assert named["figures.contribution_tier1"].value == "380.00 (2023)"
    assert named["subsidy.rules[weihai-2023-tier1-fixed].share"].status is Status.UNCONFIRMED
