"""Operator entries layered over the reviewed packs (libs/common/policy/operated.py): pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from libs.common.policy import PolicyBook, load_book
from libs.common.policy.operated import (
    EntryKind,
    PolicyEntry,
    check_figure_entry,
    check_operator_pack,
    overlay,
    with_settings,
)
from libs.common.rules import RuleViolation
from tests.backends import REPO

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def book() -> PolicyBook:
    return load_book(REPO / "policies")


def figure(entry_id: str, value: str, *, year: int = 2025, minutes: int = 0) -> PolicyEntry:
    return PolicyEntry(
        entry_id=entry_id,
        kind=EntryKind.FIGURE,
        pack_id="weihai-2023",
        region_code="371000",
        source="山东省2024年统计公报",
        entered_by="威海市医保局",
        entered_at=T0 + timedelta(minutes=minutes),
        confirmed=True,
        figure="shandong_income",
        year=year,
        value=Decimal(value),
    )


def income(book: PolicyBook, year: int) -> Decimal:
    return book.get("weihai-2023").figures["shandong_income"].values[year]


def test_the_latest_entry_is_in_force_whatever_order_they_arrive_in(book: PolicyBook) -> None:
    first, correction = figure("e-1", "39000.00"), figure("e-2", "40000.00", minutes=5)
    in_order = overlay(book.reviewed, [first, correction])
    reversed_order = overlay(book.reviewed, [correction, first])
    assert in_order == reversed_order
    weihai = next(p for p in in_order if p.id == "weihai-2023")
    assert weihai.figures["shandong_income"].values == {2023: Decimal("37560.00"), 2025: Decimal("40000.00")}


def test_apply_layers_once_and_moves_the_version_only_for_new_entries(book: PolicyBook) -> None:
    assert 2025 not in book.get("weihai-2023").figures["shandong_income"].values
    assert book.apply([figure("e-1", "39000.00")]) is True
    assert (income(book, 2025), book.version) == (Decimal("39000.00"), 1)
    assert book.apply([figure("e-1", "39000.00")]) is False  # a redelivered policy.changed
    assert book.version == 1
    # The reviewed value of another year stays; the reviewed packs are never changed.
    assert income(book, 2023) == Decimal("37560.00")
    assert 2025 not in next(p for p in book.reviewed if p.id == "weihai-2023").figures["shandong_income"].values
    entry = book.entry_for("weihai-2023", "shandong_income", 2025)
    assert entry is not None and entry.entry_id == "e-1"


def test_a_figure_entry_must_be_for_a_figure_a_rule_uses_from_the_packs_first_year(book: PolicyBook) -> None:
    weihai = book.get("weihai-2023")
    check_figure_entry(weihai, "shandong_income", 2025)  # stands
    check_figure_entry(weihai, "shandong_income", 2023)  # in force from 2023-04-28: 2023 is its first year

    def rule(pack: Any, name: str, year: int) -> str:
        with pytest.raises(RuleViolation) as caught:
            check_figure_entry(pack, name, year)
        return caught.value.rule

    assert rule(weihai, "shandong_income", 2022) == "year-before-pack"
    assert rule(weihai, "income", 2025) == "figure-unknown"
    spare = weihai.figures["shandong_income"].model_copy(update={"values": {}, "pending": "nobody uses it"})
    with_spare = weihai.model_copy(update={"figures": {**weihai.figures, "spare": spare}})
    assert rule(with_spare, "spare", 2025) == "figure-unused"


def test_an_operator_pack_is_valid_new_and_in_the_operators_region(book: PolicyBook) -> None:
    successor = book.get("pengshui-2024").model_dump(mode="json")
    successor.update(id="pengshui-2025", effective_from="2025-01-01", effective_to="2025-12-31")
    assert check_operator_pack(successor, book.reviewed, "500243").id == "pengshui-2025"

    def rule(document: dict[str, Any], region: str) -> str:
        with pytest.raises(RuleViolation) as caught:
            check_operator_pack(document, book.reviewed, region)
        return caught.value.rule

    assert rule(successor, "371000") == "pack-region"  # 威海's operator, a 彭水 pack
    assert rule({**successor, "id": "pengshui-2024"}, "500243") == "pack-id-taken"
    assert rule({**successor, "effective_to": "2024-01-01"}, "500243") == "pack-schema"  # ends before it starts
    assert rule({**successor, "surprise": 1}, "500243") == "pack-schema"

    # Layered in, the successor governs its year.
    entry = PolicyEntry(
        entry_id="p-1",
        kind=EntryKind.PACK,
        pack_id="pengshui-2025",
        region_code="500243",
        source="彭水县2025年文件",
        entered_by="彭水县医保局",
        entered_at=T0,
        confirmed=True,
        pack=successor,
    )
    book.apply([entry])
    assert book.for_county("500243", datetime(2025, 6, 1).date(), "monitoring").id == "pengshui-2025"


def value_entry(entry_id: str, path: str, setting: str, *, minutes: int = 0, confirmed: bool = True) -> PolicyEntry:
    return PolicyEntry(
        entry_id=entry_id,
        kind=EntryKind.VALUE,
        pack_id="xinzhou-2022",
        region_code="140900",
        source="忻州市医疗保障局文件",
        entered_by="忻州市医保局",
        entered_at=T0 + timedelta(minutes=minutes),
        confirmed=confirmed,
        path=path,
        setting=setting,
    )


def test_a_pending_limit_set_by_the_operator_is_in_the_pack_with_the_entrys_status_and_source(book: PolicyBook) -> None:
    from libs.common.policy.blind_spots import blind_spots

    path = "settlement.assistance[xinzhou-2022-tekun].annual_limit"
    spots = {(s.kind.value, s.figure) for s in blind_spots(book, datetime(2026, 12, 3).date())}
    assert ("pending_value", path) in spots
    book.apply(
        [value_entry("v-1", path, "60000.00", confirmed=False), value_entry("v-2", path, "unlimited", minutes=5)]
    )
    tekun = next(g for g in book.get("xinzhou-2022").settlement.assistance if g.id == "xinzhou-2022-tekun")  # type: ignore[union-attr]
    assert (tekun.annual_limit.value, tekun.annual_limit.status.value) == ("unlimited", "confirmed")
    assert tekun.annual_limit.source == "忻州市医疗保障局文件"
    spots = {(s.kind.value, s.figure) for s in blind_spots(book, datetime(2026, 12, 3).date())}
    assert not any(figure == path for _, figure in spots)


def test_a_value_entry_must_name_a_value_of_the_pack_and_keep_it_valid(book: PolicyBook) -> None:
    xinzhou = book.get("xinzhou-2022")
    with pytest.raises(RuleViolation) as unknown:
        with_settings(xinzhou, [value_entry("v-1", "settlement.nowhere", "0.50")])
    assert unknown.value.rule == "value-unknown"
    with pytest.raises(RuleViolation) as invalid:
        with_settings(xinzhou, [value_entry("v-1", "settlement.tilted.ratio", "1.50")])  # a ratio is at most 1
    assert invalid.value.rule == "value-invalid"
