"""Blind spots (libs/common/policy/blind_spots.py) of the shipped packs on fixed dates, and as entries fill them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from libs.common.policy import PolicyBook, load_book
from libs.common.policy.blind_spots import Kind, blind_spots
from libs.common.policy.operated import EntryKind, PolicyEntry
from tests.backends import REPO


@pytest.fixture
def book() -> PolicyBook:
    return load_book(REPO / "policies")


def keys(book: PolicyBook, on: date) -> set[tuple[str, str, str, str | None]]:
    return {(s.pack_id, s.section, s.kind.value, s.figure) for s in blind_spots(book, on)}


def income_entry(year: int, *, confirmed: bool) -> PolicyEntry:
    return PolicyEntry(
        entry_id=f"e-{year}-{confirmed}",
        kind=EntryKind.FIGURE,
        pack_id="weihai-2023",
        region_code="371000",
        source="山东省统计公报",
        entered_by="威海市医保局",
        entered_at=datetime(2026, 12, 3, 9, tzinfo=UTC),
        confirmed=confirmed,
        figure="shandong_income",
        year=year,
        value=Decimal("41000.00"),
    )


def test_today_weihai_and_xinzhou_lack_their_income_figures_and_pengshui_has_ended(book: PolicyBook) -> None:
    found = keys(book, date(2026, 12, 3))
    assert ("weihai-2023", "monitoring", "missing_figure", "shandong_income") in found
    assert ("xinzhou-2022", "monitoring", "missing_figure", "shanxi_income") in found
    # 彭水's pack ended 2024-12-31: its warning rules are carried forward, and that is shown.
    assert ("pengshui-2024", "monitoring", "pack_ended", None) in found
    assert ("pengshui-2024", "monitoring", "missing_figure", "monitoring_standard") in found
    # 越城's 5万元 line is tentative (暂定): in use, so shown as unconfirmed.
    assert ("yuecheng-2022", "monitoring", "unconfirmed", "yuecheng_high_cost_line") in found
    # 山西's lines are fixed sums in its own notice: nothing blind there.
    assert not any(pack == "shanxi-2022" for pack, *_ in found)


def test_in_weihais_first_year_its_figure_is_there_but_unconfirmed(book: PolicyBook) -> None:
    found = keys(book, date(2023, 6, 1))
    assert ("weihai-2023", "monitoring", "unconfirmed", "shandong_income") in found
    assert ("weihai-2023", "monitoring", "missing_figure", "shandong_income") not in found
    assert not any(pack == "pengshui-2024" for pack, *_ in found)  # not in force yet: not blind, just not there


def test_an_entered_figure_fills_the_spot_and_its_status_is_the_entrys(book: PolicyBook) -> None:
    on = date(2026, 12, 3)
    book.apply([income_entry(2026, confirmed=False)])
    spots = [s for s in blind_spots(book, on) if s.pack_id == "weihai-2023" and s.section == "monitoring"]
    assert [(s.kind, s.figure) for s in spots] == [(Kind.UNCONFIRMED, "shandong_income")]
    assert spots[0].label == "威海市 监测预警 2026年参数未核实：全省上年度居民人均可支配收入（shandong_income）"
    book.apply([income_entry(2026, confirmed=True)])
    assert not any(s.pack_id == "weihai-2023" and s.section == "monitoring" for s in blind_spots(book, on))


def test_a_successor_pack_ends_the_carry_forward(book: PolicyBook) -> None:
    successor = book.get("pengshui-2024").model_dump(mode="json")
    successor.update(id="pengshui-2026", effective_from="2026-01-01", effective_to=None)
    book.apply(
        [
            PolicyEntry(
                entry_id="p-1",
                kind=EntryKind.PACK,
                pack_id="pengshui-2026",
                region_code="500243",
                source="彭水县2026年文件",
                entered_by="彭水县医保局",
                entered_at=datetime(2026, 12, 3, 9, tzinfo=UTC),
                confirmed=True,
                pack=successor,
            )
        ]
    )
    found = keys(book, date(2026, 12, 3))
    assert not any(pack == "pengshui-2024" for pack, *_ in found)
    # The successor's own figures for 2026 are still missing, and say so under its id.
    assert ("pengshui-2026", "monitoring", "missing_figure", "monitoring_standard") in found


def test_policy_check_on_a_date_exits_non_zero_listing_the_blind_spots(capsys: pytest.CaptureFixture[str]) -> None:
    from services.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["policy", "check", str(REPO / "policies"), "--on", "2026-12-03"])
    assert exited.value.code == 1
    output = capsys.readouterr().out
    assert "✗ 威海市 监测预警 2026年缺少参数：全省上年度居民人均可支配收入（shandong_income）" in output
    assert "✗ 彭水苗族土家族自治县 监测预警 2026年政策已到期、无后续政策（pengshui-2024）" in output


def test_settlement_and_subsidy_past_an_ended_pack_name_the_missing_successor(book: PolicyBook) -> None:
    from libs.common.policy import NoPolicy

    for section in ("settlement", "subsidy"):
        with pytest.raises(NoPolicy) as refused:
            book.for_county("500243", date(2026, 12, 31), section)
        assert f"pack pengshui-2024 ({section}) ended on 2024-12-31 and no successor governs" in str(refused.value)
    with pytest.raises(NoPolicy) as never:
        book.for_county("110101", date(2026, 12, 31), "subsidy")  # 北京 东城: no pack ever
    assert "no policy pack with subsidy rules governs region 110101" in str(never.value)
