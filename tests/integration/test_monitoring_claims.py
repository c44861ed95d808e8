"""The monitoring consumer on SQLite and PostgreSQL: duplicates, 冲销/更正 chains, a reversal under the line, a
claim for last year, a category changed mid-year, a second level — each with its numbers worked out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from libs.common.categories import Category
from tests.integration.monitoring_harness import claim, delivery, monitor, roster

D = Decimal


async def test_a_claim_sent_twice_counts_once(database_url_template: str, tmp_path: Path) -> None:
    url = database_url_template.format(service="monitoring")
    async with monitor(url, tmp_path) as m:
        first = claim("C-1", "p1", "4000.00")
        again = delivery(first, "p1")
        # In one batch: the same event twice, and the same claim id under a new event id; then redelivered later.
        await m.send(again, again, claim("C-1", "p1", "4000.00"))
        await m.send(again)
        totals = await m.totals()
        assert totals[("p1", 2026)].burden == D("4000.00")  # 4,000.00 once, not 8,000.00 or 12,000.00


async def test_a_reversal_under_the_line_keeps_the_flag_and_raises_no_new_one(
    database_url_template: str, tmp_path: Path
) -> None:
    url = database_url_template.format(service="monitoring")
    async with monitor(url, tmp_path) as m:
        await m.send(roster("p1", Category.DIBAO, date(2026, 1, 5)))
        # 7,000.00 > 6,000.00 (超过0.6万元) → 返贫 flag
        await m.send(claim("C-1", "p1", "7000.00"))
        # 冲销: C-1 reversed with zeros → the year is back to 0.00
        await m.send(claim("R-1", "p1", "0.00", corrects="C-1"))
        assert (await m.totals())[("p1", 2026)].burden == D("0.00")
        # A new claim of 6,500.00 crosses again (6,500.00 > 6,000.00) but the year already has its 返贫 flag.
        await m.send(claim("C-2", "p1", "6500.00"))
        assert (await m.totals())[("p1", 2026)].burden == D("6500.00")
        flags = await m.flags()
        assert [(f.level, f.claim_id, f.cumulative_burden) for f in flags] == [("relapse", "C-1", D("7000.00"))]
        assert await m.outbox_types() == ["cn.safetynet.risk.flagged"]


async def test_a_correction_chain_counts_only_its_last_link_in_any_order(
    database_url_template: str, tmp_path: Path
) -> None:
    url = database_url_template.format(service="monitoring")
    async with monitor(url, tmp_path) as m:
        c1 = claim("C-1", "p1", "5000.00")
        c2 = claim("C-2", "p1", "3000.00", corrects="C-1")  # 更正: 5,000.00 → 3,000.00
        c3 = claim("C-3", "p1", "4000.00", corrects="C-2")  # 更正 again: 3,000.00 → 4,000.00
        await m.send(c1, c2, c3)  # all in one batch
        c1b = claim("C-1b", "p2", "5000.00")
        c2b = claim("C-2b", "p2", "3000.00", corrects="C-1b")
        c3b = claim("C-3b", "p2", "4000.00", corrects="C-2b")
        for c in (c3b, c1b, c2b):  # corrections first, one batch each
            await m.send(c)
        totals = await m.totals()
        assert totals[("p1", 2026)].burden == totals[("p2", 2026)].burden == D("4000.00")


async def test_a_correction_before_its_original_wins(database_url_template: str, tmp_path: Path) -> None:
    url = database_url_template.format(service="monitoring")
    async with monitor(url, tmp_path) as m:
        await m.send(roster("p1", Category.DIBAO, date(2026, 1, 5)))
        await m.send(claim("R-1", "p1", "2000.00", corrects="C-1"))  # the correction comes first: counts 2,000.00
        await m.send(claim("C-1", "p1", "9000.00"))  # the original, already replaced: counts nothing
        assert (await m.totals())[("p1", 2026)].burden == D("2000.00")
        assert await m.flags() == []  # 9,000.00 never counted, so no 返贫 flag (2,000.00 ≤ 6,000.00)


async def test_a_claim_for_last_year_counts_in_last_year(database_url_template: str, tmp_path: Path) -> None:
    url = database_url_template.format(service="monitoring")
    async with monitor(url, tmp_path) as m:
        await m.send(claim("C-26", "p1", "15000.00", on=date(2026, 1, 10)))
        await m.send(claim("C-25", "p1", "6000.00", on=date(2025, 12, 31)))  # arrives in 2026, settled in 2025
        # 2026: 15,000.00 alone (not 21,000.00 > 20,000.00): no 致贫 flag for an ordinary resident.
        assert (await m.totals(2026))[("p1", 2026)].burden == D("15000.00")
        assert (await m.totals(2025))[("p1", 2025)].burden == D("6000.00")
        assert await m.flags() == []


async def test_a_category_gained_mid_year_re_evaluates_the_year(database_url_template: str, tmp_path: Path) -> None:
    url = database_url_template.format(service="monitoring")
    async with monitor(url, tmp_path) as m:
        # An ordinary resident with 8,000.00 on 2026-03-05: 8,000.00 ≤ 20,000.00, no flag.
        await m.send(claim("C-1", "p1", "8000.00", on=date(2026, 3, 5)))
        assert await m.flags() == []
        # Civil affairs adds them to 低保 from 2026-02-01, so they held 低保 on the claim's date: the year is checked
        # again with the 返贫 line, 8,000.00 > 6,000.00 → flagged, naming the claim.
        await m.send(roster("p1", Category.DIBAO, date(2026, 2, 1)))
        [flag] = await m.flags()
        assert (flag.level, flag.category, flag.claim_id, flag.cumulative_burden) == (
            "relapse",
            "dibao",
            "C-1",
            D("8000.00"),
        )
        # The same roster change again (a resend under a new event id) raises nothing more.
        await m.send(roster("p1", Category.DIBAO, date(2026, 2, 1)))
        assert len(await m.flags()) == 1


async def test_a_category_gained_after_the_claims_applies_from_the_next_claim(
    database_url_template: str, tmp_path: Path
) -> None:
    url = database_url_template.format(service="monitoring")
    async with monitor(url, tmp_path) as m:
        await m.send(claim("C-1", "p1", "8000.00", on=date(2026, 3, 5)))
        await m.send(roster("p1", Category.DIBAO, date(2026, 6, 1)))  # 低保 from June: not held on 3-5
        assert await m.flags() == []
        # July: 8,000.00 + 100.00 = 8,100.00, held 低保 on 7-1 → 8,100.00 > 6,000.00
        await m.send(claim("C-2", "p1", "100.00", on=date(2026, 7, 1)))
        [flag] = await m.flags()
        assert (flag.level, flag.claim_id, flag.cumulative_burden) == ("relapse", "C-2", D("8100.00"))


async def test_xinzhou_a_second_level_is_a_new_flag(database_url_template: str, tmp_path: Path) -> None:
    url = database_url_template.format(service="monitoring")
    async with monitor(url, tmp_path) as m:
        await m.send(roster("p1", Category.UNSTABLE_OUT_OF_POVERTY, date(2022, 1, 5), region="140902"))
        # 6,500.00 left after all tiers, all of it in-policy self-pay, no assistance:
        # 6,500.00 > 6,000.00 (山西 返贫); 6,500.00 ≤ 6,856.50 (忻州 依申请, 25% × 27,426.00) → one flag.
        await m.send(claim("C-1", "p1", "6500.00", on=date(2022, 3, 1), region="140902", self_pay="6500.00"))
        # + 300.00 self-pay and 100.00 assistance: in-policy self-pay after basic + critical
        # = 6,800.00 + 100.00 = 6,900.00 > 6,856.50 → 依申请 eligible: a new flag of another level.
        await m.send(
            claim("C-2", "p1", "300.00", on=date(2022, 4, 1), region="140902", self_pay="300.00", assistance="100.00")
        )
        flags = await m.flags()
        assert sorted((f.level, f.rule_id, f.cumulative_burden) for f in flags) == [
            ("apply_eligible", "xinzhou-2022-apply-eligible", D("6900.00")),
            ("relapse", "shanxi-2022-relapse", D("6500.00")),
        ]


async def test_one_batch_or_one_by_one_gives_the_same_flags(database_url_template: str, tmp_path: Path) -> None:
    url = database_url_template.format(service="monitoring")
    claims = [claim(f"C-{i}", "p1", "2500.00", on=date(2026, 1 + i, 1)) for i in range(10)]
    results = []
    for n, sizes in enumerate(([10], [1])):
        async with monitor(url.replace("monitoring", f"monitoring{n}") if "sqlite" in url else url, tmp_path) as m:
            person = f"p-{n}"
            moved = [c.model_copy(update={"person_key": person, "claim_id": f"{c.claim_id}-{n}"}) for c in claims]
            for i in range(0, len(moved), sizes[0]):
                await m.send(*moved[i : i + sizes[0]])
            flags = [f for f in await m.flags() if f.person_key == person]
            # 2,500.00 × 8 = 20,000.00 is not over 20,000.00; the 9th claim (C-8) makes 22,500.00 > 20,000.00.
            results.append([(f.level, f.claim_id.rsplit("-", 1)[0], f.cumulative_burden) for f in flags])
    assert results[0] == results[1] == [("impoverish", "C-8", D("22500.00"))]
