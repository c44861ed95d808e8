"""Policy packs: the shipped Shanxi pack, the lookup by county and date, and loud failures on bad packs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.agencies import Agency
from libs.common.categories import Category, parse_category
from libs.common.messaging.contracts.monitoring import RiskLevel
from libs.common.policy import (
    BurdenDefinition,
    Comparison,
    Monitoring,
    NoPolicy,
    PolicyBook,
    PolicyError,
    PolicyPack,
    ReferralRule,
    WarningRule,
    WorkingDaysDeadline,
    load_book,
    load_pack,
)
from libs.common.rules import RuleViolation

POLICIES = Path(__file__).resolve().parents[2] / "policies"
SHANXI_FILE = POLICIES / "shanxi-2022.yaml"
XING_COUNTY = "141123"  # 兴县, in 吕梁市 141100


def monitoring_of(pack: PolicyPack) -> Monitoring:
    assert pack.monitoring is not None
    return pack.monitoring


def referral_of(pack: PolicyPack) -> ReferralRule:
    assert pack.referral is not None
    return pack.referral


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_book(POLICIES)


@pytest.fixture(scope="module")
def shanxi() -> PolicyPack:
    return load_pack(SHANXI_FILE)


# --- the shipped pack -------------------------------------------------------------------------------


def test_shipped_shanxi_pack_loads_with_seed_numbers(shanxi: PolicyPack) -> None:
    assert shanxi.id == "shanxi-2022"
    assert shanxi.region_code == "140000"  # the rules are the province's (晋医保发〔2022〕9号)
    assert shanxi.effective_from == date(2022, 1, 1)
    assert shanxi.effective_to is None
    assert monitoring_of(shanxi).burden is BurdenDefinition.AFTER_ALL_TIERS
    relapse, impoverish = monitoring_of(shanxi).rules
    assert (relapse.id, relapse.level, shanxi.amount(relapse.threshold, 2026)) == (
        "shanxi-2022-relapse",
        RiskLevel.RELAPSE,
        Decimal("6000"),
    )
    assert relapse.comparison is Comparison.GREATER_THAN  # 超过
    # 特困、低保、低保边缘、返贫致贫、脱贫不稳定、边缘易致贫、突发严重困难和其他脱贫人口: eight groups.
    assert set(relapse.categories) == {
        Category.TEKUN,
        Category.DIBAO,
        Category.DIBAO_EDGE,
        Category.RETURNED_TO_POVERTY,
        Category.UNSTABLE_OUT_OF_POVERTY,
        Category.EDGE_OF_POVERTY,
        Category.SUDDEN_HARDSHIP,
        Category.STABLE_OUT_OF_POVERTY,
    }
    assert (impoverish.id, impoverish.level, impoverish.others) == (
        "shanxi-2022-impoverish",
        RiskLevel.IMPOVERISH,
        True,
    )
    assert shanxi.amount(impoverish.threshold, 2026) == Decimal("20000")
    assert impoverish.comparison is Comparison.GREATER_THAN
    assert referral_of(shanxi).agencies == (Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION)
    # 在规定时间内…纳入 (no number), 并在5个工作日内向县级医保部门推送信息 (after the decision)
    assert referral_of(shanxi).decision_working_days.working_days is None
    assert referral_of(shanxi).feedback_working_days.working_days == 5


def test_book_finds_shanxi_pack_for_a_luliang_county(book: PolicyBook) -> None:
    assert book.for_county(XING_COUNTY, date(2026, 5, 1)).id == "shanxi-2022"
    assert book.for_county(XING_COUNTY, date(2022, 1, 1)).id == "shanxi-2022"  # first day in force
    assert book.get("shanxi-2022").region_code == "140000"


@pytest.mark.parametrize("county", ["110101", "450102"])  # Beijing, Guangxi: no pack covers them
def test_no_pack_outside_the_seeded_regions(book: PolicyBook, county: str) -> None:
    with pytest.raises(NoPolicy, match=county):
        book.for_county(county, date(2026, 5, 1))


def test_no_pack_before_2022(book: PolicyBook) -> None:
    with pytest.raises(NoPolicy, match="2021-12-31"):
        book.for_county(XING_COUNTY, date(2021, 12, 31))


def test_get_unknown_pack_id(book: PolicyBook) -> None:
    with pytest.raises(NoPolicy, match="no-such-pack"):
        book.get("no-such-pack")


# --- comparisons -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comparison", "value", "expected"),
    [
        (Comparison.GREATER_THAN, "6000.00", False),  # 超过 0.6万: equal is not over
        (Comparison.GREATER_THAN, "6000.01", True),
        (Comparison.GREATER_THAN, "5999.99", False),
        (Comparison.AT_LEAST, "6000.00", True),  # 达到: equal counts
        (Comparison.AT_LEAST, "5999.99", False),
    ],
)
def test_comparison_at_the_edge(comparison: Comparison, value: str, expected: bool) -> None:
    assert comparison.holds(Decimal(value), Decimal("6000.00")) is expected


# --- rule selection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "rule_id"),
    [
        ({Category.DIBAO}, "shanxi-2022-relapse"),
        (set(), "shanxi-2022-impoverish"),
        ({Category.STABLE_OUT_OF_POVERTY, Category.VETERAN_KEY}, "shanxi-2022-relapse"),
        ({Category.STABLE_OUT_OF_POVERTY, Category.SEVERE_DISABILITY, Category.DIBAO}, "shanxi-2022-relapse"),
        ({Category.VETERAN_KEY}, "shanxi-2022-impoverish"),  # not a monitored group in Shanxi
        ({Category.OTHER_RESIDENT}, "shanxi-2022-impoverish"),
    ],
)
def test_rule_for(shanxi: PolicyPack, categories: set[Category], rule_id: str) -> None:
    assert monitoring_of(shanxi).rule_for(frozenset(categories)).id == rule_id


def test_rule_for_thresholds(shanxi: PolicyPack) -> None:
    assert shanxi.amount(monitoring_of(shanxi).rule_for(frozenset({Category.DIBAO})).threshold, 2026) == Decimal(
        "6000.00"
    )
    assert shanxi.amount(monitoring_of(shanxi).rule_for(frozenset()).threshold, 2026) == Decimal("20000.00")


def test_rule_for_without_others_rule_raises() -> None:
    monitoring = Monitoring(burden=BurdenDefinition.AFTER_ALL_TIERS, rules=(_rule("only-dibao", [Category.DIBAO]),))
    assert monitoring.rule_for(frozenset({Category.DIBAO})).id == "only-dibao"
    with pytest.raises(LookupError):
        monitoring.rule_for(frozenset())


# --- invalid packs -----------------------------------------------------------------------------------


def _write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SHANXI_FILE.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in the shipped pack"
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_shipped_text_copied_unchanged_loads(tmp_path: Path) -> None:
    # Guards the variants below: only the replaced text makes them fail.
    assert load_pack(_write_variant(tmp_path, "id: shanxi-2022", "id: shanxi-2022")).id


def test_rule_with_neither_categories_nor_others(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, "others: true", "others: false")
    with pytest.raises(PolicyError, match=r"broken\.yaml") as info:
        load_pack(path)
    assert "shanxi-2022-impoverish: give either categories or others" in str(info.value)


def test_rule_with_both_categories_and_others(tmp_path: Path) -> None:
    path = _write_variant(
        tmp_path, "      comparison: greater_than  # 超过\n", "      others: true\n      comparison: greater_than\n"
    )
    with pytest.raises(PolicyError, match="shanxi-2022-relapse: give either categories or others"):
        load_pack(path)


def test_a_pack_without_a_section_loads_but_the_book_names_the_missing_section(tmp_path: Path) -> None:
    text = SHANXI_FILE.read_text(encoding="utf-8")
    path = tmp_path / "no-referral.yaml"
    path.write_text(text[: text.index("referral:")], encoding="utf-8")
    pack = load_pack(path)  # sections are optional: packs layer (province monitoring, city subsidies)
    assert pack.referral is None
    book = PolicyBook([pack])
    assert book.for_county(XING_COUNTY, date(2026, 5, 1), "monitoring").id == pack.id
    with pytest.raises(NoPolicy, match="with referral rules governs region 141123"):
        book.for_county(XING_COUNTY, date(2026, 5, 1), "referral")


def test_threshold_not_a_number(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, 'threshold: "6000.00"', 'threshold: "abc"')
    with pytest.raises(PolicyError, match=r"monitoring\.rules\.0\.threshold"):
        load_pack(path)


def test_negative_threshold(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, 'threshold: "6000.00"', 'threshold: "-1.00"')
    with pytest.raises(PolicyError, match=r"monitoring\.rules\.0\.threshold"):
        load_pack(path)


def test_unknown_category(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, "categories: [tekun,", "categories: [富人,")
    with pytest.raises(PolicyError, match="富人"):
        load_pack(path)


def test_category_by_chinese_label_loads(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, "categories: [tekun, dibao,", "categories: [特困人员, 低保,")
    rules = monitoring_of(load_pack(path)).rules
    assert rules[0].categories[:2] == (Category.TEKUN, Category.DIBAO)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, "    working_days: 5\n", "    working_days: 5\n    response_days: 5\n")
    with pytest.raises(PolicyError, match=r"referral\.feedback_working_days\.response_days"):
        load_pack(path)


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.yaml"):
        load_pack(path)


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no policy packs"):
        load_book(tmp_path)


# --- the book ----------------------------------------------------------------------------------------


def _rule(rule_id: str, categories: list[Category] | None = None) -> WarningRule:
    return WarningRule(
        id=rule_id,
        level=RiskLevel.RELAPSE if categories else RiskLevel.IMPOVERISH,
        categories=tuple(categories or ()),
        others=not categories,
        comparison=Comparison.GREATER_THAN,
        threshold=Decimal("1000.00"),
        source="test",
    )


def _pack(pack_id: str, region_code: str, effective_from: date = date(2022, 1, 1)) -> PolicyPack:
    return PolicyPack(
        id=pack_id,
        name=pack_id,
        region_code=region_code,
        source="test",
        effective_from=effective_from,
        monitoring=Monitoring(burden=BurdenDefinition.AFTER_ALL_TIERS, rules=(_rule(f"{pack_id}-others"),)),
        referral=ReferralRule(
            agencies=(Agency.CIVIL_AFFAIRS,),
            decision_working_days=WorkingDaysDeadline(working_days=5, source="test"),
            feedback_working_days=WorkingDaysDeadline(working_days=None, source="test"),
            source="test",
        ),
    )


def test_duplicate_pack_ids() -> None:
    with pytest.raises(PolicyError, match="duplicate pack ids") as info:
        PolicyBook([_pack("a", "141100"), _pack("b", "140900"), _pack("a", "141123")])
    assert "'a'" in str(info.value)
    assert "'b'" not in str(info.value)


@pytest.mark.parametrize("order", [0, 1])
def test_more_specific_region_wins(order: int) -> None:
    packs = [_pack("province", "140000"), _pack("city", "141100"), _pack("county", "141123")]
    book = PolicyBook(packs if order == 0 else packs[::-1])
    on = date(2026, 5, 1)
    assert book.for_county("141123", on).id == "county"
    assert book.for_county("141124", on).id == "city"
    assert book.for_county("140902", on).id == "province"
    with pytest.raises(NoPolicy):
        book.for_county("371002", on)


def test_later_pack_wins_within_same_region() -> None:
    book = PolicyBook([_pack("old", "141100", date(2022, 1, 1)), _pack("new", "141100", date(2025, 1, 1))])
    assert book.for_county("141123", date(2024, 12, 31)).id == "old"
    assert book.for_county("141123", date(2025, 1, 1)).id == "new"


def test_effective_to_is_inclusive() -> None:
    pack = _pack("closed", "141100").model_copy(update={"effective_to": date(2023, 12, 31)})
    assert pack.covers("141123", date(2023, 12, 31))
    assert not pack.covers("141123", date(2024, 1, 1))


def test_region_code_must_be_six_digits() -> None:
    with pytest.raises(ValueError, match="region_code"):
        _pack("bad", "1411")


# --- categories --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["dibao", "低保对象", "低保", " 低保 "])
def test_parse_category_dibao(text: str) -> None:
    assert parse_category(text) is Category.DIBAO


def test_parse_category_alias() -> None:
    assert parse_category("低边") is Category.DIBAO_EDGE
    assert parse_category(Category.TEKUN) is Category.TEKUN


@pytest.mark.parametrize("value", ["富人", "", "DIBAO", 3, None])
def test_parse_category_rejects_unknown(value: object) -> None:
    with pytest.raises(RuleViolation) as info:
        parse_category(value)
    assert info.value.rule == "known_category"
    assert "未知人员类别" in str(info.value)


def _adding(pack: PolicyPack) -> PolicyPack:
    assert pack.monitoring is not None
    return pack.model_copy(update={"monitoring": pack.monitoring.model_copy(update={"adds_to_wider": True})})


def test_monitoring_packs_replace_unless_the_narrower_adds() -> None:
    province, city, county = _pack("province", "140000"), _pack("city", "141100"), _pack("county", "141123")
    on = date(2026, 5, 1)
    # Without adds_to_wider the most specific pack's rules replace the wider ones, as for every section.
    assert [p.id for p in PolicyBook([province, city, county]).monitoring_packs("141123", on)] == ["county"]
    # The county adds to the city, the city replaces the province: the chain stops at the first that replaces.
    book = PolicyBook([province, city, _adding(county)])
    assert [p.id for p in book.monitoring_packs("141123", on)] == ["county", "city"]
    book = PolicyBook([province, _adding(city), _adding(county)])
    assert [p.id for p in book.monitoring_packs("141123", on)] == ["county", "city", "province"]
    with pytest.raises(NoPolicy, match="monitoring"):
        book.monitoring_packs("330602", on)


def test_rules_for_excludes_and_may_watch_nobody() -> None:
    rule = _rule("edge", [Category.EDGE_OF_POVERTY]).model_copy(update={"excludes": (Category.DIBAO,)})
    only = Monitoring(burden=BurdenDefinition.AFTER_ALL_TIERS, rules=(rule,))
    assert [r.id for r in only.rules_for(frozenset({Category.EDGE_OF_POVERTY}))] == ["edge"]
    assert only.rules_for(frozenset({Category.EDGE_OF_POVERTY, Category.DIBAO})) == ()  # excluded
    assert only.rules_for(frozenset()) == ()  # no rule for everyone else: not watched
