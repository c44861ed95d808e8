"""The region packs (忻州, 威海, 越城, 彭水): the seeds' numbers, per-section layering, figures and pending figures."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from libs.common.agencies import Agency
from libs.common.categories import Category
from libs.common.messaging.contracts.monitoring import RiskLevel
from libs.common.policy import (
    Amount,
    BurdenDefinition,
    Comparison,
    MissingFigure,
    Monitoring,
    NoPolicy,
    PolicyBook,
    PolicyPack,
    load_book,
)
from libs.common.policy.book import Section
from libs.common.policy.settlement import AssistanceGroup, HospitalClass, Settlement, Visit
from libs.common.policy.subsidy import Funding, Subsidy, SubsidyRule
from libs.common.policy.values import Limit, Ratio, Status, Sum

XINFU = "140902"  # 忻州市忻府区
XING_COUNTY = "141123"  # 兴县, 吕梁市: Shanxi, but not 忻州
HUANCUI = "371002"  # 威海市环翠区
YUECHENG = "330602"  # 绍兴市越城区
PENGSHUI = "500243"  # 重庆市彭水苗族土家族自治县
SECTIONS: tuple[Section, ...] = ("monitoring", "referral", "settlement", "subsidy")


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_book(Path(__file__).parents[2] / "policies")


def monitoring_of(pack: PolicyPack) -> Monitoring:
    assert pack.monitoring is not None
    return pack.monitoring


def settlement_of(pack: PolicyPack) -> Settlement:
    assert pack.settlement is not None
    return pack.settlement


def subsidy_of(pack: PolicyPack) -> Subsidy:
    assert pack.subsidy is not None
    return pack.subsidy


def group(pack: PolicyPack, group_id: str) -> AssistanceGroup:
    return next(g for g in settlement_of(pack).assistance if g.id == group_id)


def subsidy_rule(pack: PolicyPack, rule_id: str) -> SubsidyRule:
    return next(r for r in subsidy_of(pack).rules if r.id == rule_id)


def v(value: Ratio | Sum | Limit | None) -> object:
    """A pack value as written (a number, "unlimited"), or None where the rule has none."""
    return None if value is None else value.value


def values(mapping: Mapping[Any, Ratio]) -> dict[Any, object]:
    return {key: v(value) for key, value in mapping.items()}


def pending(pack: PolicyPack, path: str) -> str:
    """Who must set a pending value of the pack (fails when the value is not pending)."""
    found = dict(pack.values())[path]
    assert found.status is Status.PENDING and found.value is None and found.pending, path
    return found.pending


def test_book_holds_all_five_packs(book: PolicyBook) -> None:
    assert {p.id: p.region_code for p in book.packs} == {
        "pengshui-2024": "500243",
        "shanxi-2022": "140000",
        "weihai-2023": "371000",
        "xinzhou-2022": "140900",
        "yuecheng-2022": "330602",
    }


def test_every_figure_and_rule_has_a_source(book: PolicyBook) -> None:
    for pack in book.packs:
        for name, figure in pack.figures.items():
            assert figure.source.strip(), f"{pack.id}: figure {name} has no source"
        if pack.monitoring is not None:
            assert all(r.source.strip() for r in pack.monitoring.rules)
        if pack.subsidy is not None:
            assert all(r.source.strip() for r in pack.subsidy.rules)
        if pack.settlement is not None:
            assert all(g.source.strip() for g in pack.settlement.assistance)


# --- layering: which pack answers for which section ---------------------------------------------------


def test_xinzhou_adds_its_warning_line_to_the_province_and_takes_assistance_from_the_city(book: PolicyBook) -> None:
    on = date(2022, 6, 1)
    # 忻州's monitoring section adds 依申请救助 to 山西's lines (adds_to_wider), it does not replace them.
    assert [p.id for p in book.monitoring_packs(XINFU, on)] == ["xinzhou-2022", "shanxi-2022"]
    assert book.for_county(XINFU, on, "referral").id == "shanxi-2022"
    assert book.for_county(XINFU, on, "settlement").id == "xinzhou-2022"
    assert book.for_county(XINFU, on, "subsidy").id == "xinzhou-2022"
    assert book.for_county(XINFU, on).id == "xinzhou-2022"  # the most specific pack overall
    # 从2022年1月1日起: nothing before.
    with pytest.raises(NoPolicy, match="2021-12-31"):
        book.for_county(XINFU, date(2021, 12, 31), "settlement")


def test_other_shanxi_cities_do_not_get_xinzhou_rules(book: PolicyBook) -> None:
    assert book.for_county(XING_COUNTY, date(2022, 6, 1), "monitoring").id == "shanxi-2022"
    with pytest.raises(NoPolicy, match="with settlement rules governs region 141123"):
        book.for_county(XING_COUNTY, date(2022, 6, 1), "settlement")


@pytest.mark.parametrize("section", SECTIONS)
def test_weihai_from_28_april_2023(book: PolicyBook, section: Section) -> None:
    # 2023年4月28日 (the notice's date; reading: in force from the day of issue).
    assert book.for_county(HUANCUI, date(2023, 5, 1), section).id == "weihai-2023"
    assert book.for_county(HUANCUI, date(2023, 4, 28), section).id == "weihai-2023"
    with pytest.raises(NoPolicy, match="governs region 371002 on 2023-04-27"):
        book.for_county(HUANCUI, date(2023, 4, 27), section)


@pytest.mark.parametrize("section", ["monitoring", "referral", "settlement"])
def test_yuecheng_from_23_april_2022(book: PolicyBook, section: Section) -> None:
    # 本意见自2022年4月23日起实施
    assert book.for_county(YUECHENG, date(2022, 4, 23), section).id == "yuecheng-2022"
    with pytest.raises(NoPolicy):
        book.for_county(YUECHENG, date(2022, 4, 22), section)


def test_yuecheng_has_no_subsidy_section(book: PolicyBook) -> None:
    # Only the family-doctor fee and the 越惠保 premium are paid: neither is a 居民医保 contribution.
    with pytest.raises(NoPolicy, match="with subsidy rules governs region 330602"):
        book.for_county(YUECHENG, date(2024, 1, 1), "subsidy")


@pytest.mark.parametrize("section", SECTIONS)
def test_pengshui_only_in_2024(book: PolicyBook, section: Section) -> None:
    # 关于做好2024年…工作的通知: a notice for 2024.
    assert book.for_county(PENGSHUI, date(2024, 1, 1), section).id == "pengshui-2024"
    assert book.for_county(PENGSHUI, date(2024, 12, 31), section).id == "pengshui-2024"
    with pytest.raises(NoPolicy, match="2025-01-01"):
        book.for_county(PENGSHUI, date(2025, 1, 1), section)
    with pytest.raises(NoPolicy, match="2023-12-31"):
        book.for_county(PENGSHUI, date(2023, 12, 31), section)


# --- 忻州 (seed 001) -----------------------------------------------------------------------------------


def test_xinzhou_subsidy(book: PolicyBook) -> None:
    pack = book.get("xinzhou-2022")
    assert subsidy_of(pack).contribution_figures == {1: "contribution_tier1"}  # one 个人缴费标准
    # 返贫致贫人口按个人缴费标准90%的比例给予定额资助 (2022-2025年)
    returned = subsidy_rule(pack, "xinzhou-2022-returned-to-poverty")
    assert (v(returned.share), returned.from_year, returned.to_year) == (Decimal("0.90"), 2022, 2025)
    assert not returned.in_force(2026)
    # 易返贫致贫人口（包括脱贫不稳定人口和边缘易致贫人口，不含已纳入低保、优抚对象、重度残疾人、特困供养范围人员）
    # …按每人每年280元的标准定额资助
    easy = subsidy_rule(pack, "xinzhou-2022-easily-relapsing")
    assert set(easy.categories) == {Category.UNSTABLE_OUT_OF_POVERTY, Category.EDGE_OF_POVERTY}
    assert set(easy.excludes) == {
        Category.DIBAO,
        Category.VETERAN_KEY,
        Category.VETERAN_OTHER,
        Category.SEVERE_DISABILITY,
        Category.TEKUN,
    }
    assert (v(easy.fixed), v(easy.share), easy.to_year) == (Decimal("280.00"), None, 2025)
    # 自2022年起，特困人员给予全额资助
    tekun = subsidy_rule(pack, "xinzhou-2022-tekun")
    assert (v(tekun.share), tekun.to_year) == (Decimal("1.00"), None)
    # 低保对象、优抚对象、重度残疾人、按个人缴费标准80%的比例给予定额资助（低于280元按280元资助）
    for rule_id in ("xinzhou-2022-dibao", "xinzhou-2022-veterans", "xinzhou-2022-severe-disability"):
        rule = subsidy_rule(pack, rule_id)
        assert (v(rule.share), v(rule.minimum), rule.to_year) == (Decimal("0.80"), Decimal("280.00"), None)
    # 优抚对象由退役军人事务部门通过优抚对象医疗补助资金资助，不足部分由县级财政给予资助; 重度残疾人由各县（市、区）
    # 财政负担; 其余人员由医疗救助基金负担
    assert subsidy_rule(pack, "xinzhou-2022-veterans").funding == (Funding.VETERANS_FUND, Funding.COUNTY_FINANCE)
    assert subsidy_rule(pack, "xinzhou-2022-severe-disability").funding == (Funding.COUNTY_FINANCE,)
    assert subsidy_rule(pack, "xinzhou-2022-dibao").funding == (Funding.MEDICAL_ASSISTANCE_FUND,)
    # 稳定脱贫人口不再享受资助参保政策
    assert not any(Category.STABLE_OUT_OF_POVERTY in r.categories for r in subsidy_of(pack).rules)


def test_xinzhou_assistance(book: PolicyBook) -> None:
    pack = book.get("xinzhou-2022")
    settlement = settlement_of(pack)
    # No base deductible/ratio for 大病保险 in the seed: the settlement system sends what it paid.
    assert settlement.critical_illness is None
    assert settlement.basic == {}
    # 特困人员目录内个人自付住院医疗费用由医疗救助给予保障 (reading: 100%); 门诊慢病 60%; 特药 20%
    tekun = group(pack, "xinzhou-2022-tekun")
    assert values(tekun.ratios) == {
        Visit.INPATIENT: Decimal("1.00"),
        Visit.CHRONIC_OUTPATIENT: Decimal("0.60"),
        Visit.SPECIAL_DRUG: Decimal("0.20"),
    }
    # …由医疗救助给予保障 gives no number: the 100% is a reading, unconfirmed.
    assert tekun.ratios[Visit.INPATIENT].status is Status.UNCONFIRMED
    assert tekun.ratios[Visit.CHRONIC_OUTPATIENT].status is Status.CONFIRMED
    # 门诊和住院救助共用年度救助限额 under 全省统一的医疗救助待遇政策: a limit the seed does not quote — pending.
    assert "市医保局" in pending(pack, "settlement.assistance[xinzhou-2022-tekun].annual_limit")
    # 返贫致贫人口…按70%的比例给予医疗救助，省内住院单次目录内费用综合支付比例达不到90%的，救助到90%
    returned = group(pack, "xinzhou-2022-returned-to-poverty")
    assert v(returned.ratios[Visit.INPATIENT]) == Decimal("0.70")
    assert returned.floor is not None
    assert (v(returned.floor.ratio), returned.floor.in_province_only) == (Decimal("0.90"), True)
    assert pending(pack, "settlement.assistance[xinzhou-2022-returned-to-poverty].annual_limit")
    # 低保对象…按70%的比例给予医疗救助，年度最高救助限额6万元; 低保对象和返贫致贫人口按30% / 按10%
    dibao = group(pack, "xinzhou-2022-dibao")
    assert values(dibao.ratios) == {
        Visit.INPATIENT: Decimal("0.70"),
        Visit.CHRONIC_OUTPATIENT: Decimal("0.30"),
        Visit.SPECIAL_DRUG: Decimal("0.10"),
    }
    assert values(returned.ratios) == values(dibao.ratios)
    assert (v(dibao.annual_limit), dibao.annual_limit.status) == (Decimal("60000.00"), Status.CONFIRMED)
    assert [g.id for g in settlement.groups_for(frozenset({Category.DIBAO}))] == ["xinzhou-2022-dibao"]


def test_xinzhou_out_of_catalog_and_tilt(book: PolicyBook) -> None:
    pack = book.get("xinzhou-2022")
    settlement = settlement_of(pack)
    occ = settlement.out_of_catalog
    assert occ is not None
    # 省内一类、省市级二类、县级二类及三类…住院目录外费用分别不得超过总费用的30%、20%、15%
    assert values(occ.caps) == {
        HospitalClass.PROVINCE_CLASS_1: Decimal("0.30"),
        HospitalClass.PROVINCE_CITY_CLASS_2: Decimal("0.20"),
        HospitalClass.COUNTY_CLASS_2_3: Decimal("0.15"),
    }
    assert occ.visits == (Visit.INPATIENT,)
    # 过渡期内，返贫致贫人口省内住院目录外控制比例范围内的住院医疗费用由医疗救助基金按85%的比例救助
    assert occ.assisted_categories == (Category.RETURNED_TO_POVERTY,)
    assert (v(occ.assisted_ratio), occ.assisted_in_province_only) == (Decimal("0.85"), True)
    # 政策范围内个人负担仍然较重的，给予倾斜救助 — no amount in the seed
    assert settlement.tilted is not None
    for value in ("threshold", "ratio", "annual_limit"):
        assert "市医保局" in pending(pack, f"settlement.tilted.{value}")


def test_xinzhou_application_line_is_25_percent_of_last_years_income(book: PolicyBook) -> None:
    pack = book.get("xinzhou-2022")
    (app,) = settlement_of(pack).application_based
    assert app.id == "xinzhou-2022-application"
    # 超过上年度全省居民人均可支配收入25%的部分，按70%的比例给予医疗救助，年度最高救助限额6万元
    assert (v(app.ratio), v(app.annual_limit)) == (Decimal("0.70"), Decimal("60000.00"))
    # 2022 uses Shanxi's 2021 income: 27426 × 0.25 = 6856.50
    assert (app.line.figure, app.line.share) == ("shanxi_income", Decimal("0.25"))
    assert pack.amount(Amount(figure="shanxi_income", share=app.line.share), 2022) == Decimal("6856.50")
    # 2023 needs the 2022 bulletin, which the pack does not have yet: a loud error, never zero.
    with pytest.raises(MissingFigure, match=r"'shanxi_income'.*2023"):
        pack.amount(Amount(figure="shanxi_income", share=app.line.share), 2023)


# --- 威海 (seed 002) -----------------------------------------------------------------------------------


def test_weihai_monitoring_lines(book: PolicyBook) -> None:
    pack = book.get("weihai-2023")
    monitoring = monitoring_of(pack)
    # 经基本医保、大病保险报销后个人累计负担
    assert monitoring.burden is BurdenDefinition.AFTER_BASIC_AND_CRITICAL
    relapse = monitoring.rule_for(frozenset({Category.DIBAO_EDGE}))
    ordinary = monitoring.rule_for(frozenset())
    assert monitoring.rule_for(frozenset({Category.MONITORED_ASSISTED})).id == relapse.id == "weihai-2023-relapse"
    assert (relapse.level, ordinary.level) == (RiskLevel.RELAPSE, RiskLevel.IMPOVERISH)
    assert relapse.comparison is ordinary.comparison is Comparison.GREATER_THAN  # 超过
    # 超过全省上年度居民人均可支配收入50%: 2023 uses Shandong's 2022 income, 37560 × 0.50 = 18780.00
    assert pack.amount(relapse.threshold, 2023) == Decimal("18780.00")
    # 超过全省上年度居民人均可支配收入150%的普通参保人员: 37560 × 1.50 = 56340.00
    assert pack.amount(ordinary.threshold, 2023) == Decimal("56340.00")
    assert ordinary.id == "weihai-2023-impoverish"
    with pytest.raises(MissingFigure, match=r"'shandong_income'.*2024"):
        pack.amount(relapse.threshold, 2024)


def test_weihai_referral_subsidy_and_retroactive(book: PolicyBook) -> None:
    pack = book.get("weihai-2023")
    assert pack.referral is not None
    # 防止返贫监测平台 (乡村振兴), 低收入人口动态监测平台 (民政)
    assert pack.referral.agencies == (Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION)
    # 对特困人员…按二档缴费标准给予全额资助
    tekun = subsidy_rule(pack, "weihai-2023-tekun")
    assert (v(tekun.share), tekun.of_tier) == (Decimal("1.00"), 2)
    # 对低保对象、返贫致贫人口、低保边缘家庭成员及防止返贫监测帮扶对象按一档缴费标准给予定额资助
    fixed = subsidy_rule(pack, "weihai-2023-tier1-fixed")
    assert {Category.DIBAO, Category.RETURNED_TO_POVERTY, Category.DIBAO_EDGE, Category.MONITORED_ASSISTED} <= set(
        fixed.categories
    )
    assert (v(fixed.share), fixed.of_tier) == (Decimal("1.00"), 1)
    # 2023年6月30日前…申请认定因病致贫重病患者身份的…政策范围内个人负担费用可追溯至2022年1月1日
    (retro,) = settlement_of(pack).retroactive
    assert retro.id == "weihai-2023-serious-illness"
    assert retro.categories == (Category.SERIOUS_ILLNESS_POOR,)
    assert (retro.back_to, retro.applied_by, retro.in_policy_only) == ("2022-01-01", "2023-06-30", True)
    # No ratios in the seed for 大病保险 or 医疗救助
    assert settlement_of(pack).critical_illness is None
    assert settlement_of(pack).assistance == ()


# --- 越城 (seed 003) -----------------------------------------------------------------------------------


def test_yuecheng_high_cost_line(book: PolicyBook) -> None:
    pack = book.get("yuecheng-2022")
    monitoring = monitoring_of(pack)
    (rule,) = monitoring.rules
    # 特困供养人员、最低生活保障家庭成员、低保边缘家庭成员对象年个人自付金额超过居民人均可支配收入(暂定5万元)
    assert rule.level is RiskLevel.HIGH_COST
    assert set(rule.categories) == {Category.TEKUN, Category.DIBAO, Category.DIBAO_EDGE}
    assert rule.comparison is Comparison.GREATER_THAN
    assert pack.amount(rule.threshold, 2022) == Decimal("50000.00")
    assert not pack.figures["yuecheng_high_cost_line"].confirmed  # 暂定
    # No line for ordinary residents in 越城: nobody else is evaluated.
    with pytest.raises(LookupError):
        monitoring.rule_for(frozenset())


def test_yuecheng_assistance_limits(book: PolicyBook) -> None:
    pack = book.get("yuecheng-2022")
    # 除特困供养人员外救助限额为每人每年10万元，其中普通门诊年度救助限额2万元
    for group_id in ("yuecheng-2022-dibao", "yuecheng-2022-dibao-edge"):
        g = group(pack, group_id)
        assert (v(g.annual_limit), v(g.outpatient_limit)) == (Decimal("100000.00"), Decimal("20000.00"))
        assert g.annual_limit.status is Status.CONFIRMED
        # 政策范围内普通门诊医疗费用与住院（含门诊规定病种）同比例救助
        assert v(g.ratios[Visit.OUTPATIENT]) == v(g.ratios[Visit.INPATIENT]) == v(g.ratios[Visit.CHRONIC_OUTPATIENT])
    # 特困供养人员 excepted: its limit is not in the seed
    assert "区医保分局" in pending(pack, "settlement.assistance[yuecheng-2022-tekun].annual_limit")
    assert pending(pack, "settlement.assistance[yuecheng-2022-tekun].outpatient_limit")
    # Operator values (the seed gives no ratios): tekun 1.00, dibao 0.80, dibao_edge 0.70
    ratios = [group(pack, f"yuecheng-2022-{g}").ratios[Visit.INPATIENT] for g in ("tekun", "dibao", "dibao-edge")]
    assert all(r.status is Status.UNCONFIRMED for r in ratios)
    assert [r.value for r in ratios] == [
        Decimal("1.00"),
        Decimal("0.80"),
        Decimal("0.70"),
    ]
    # 新认定的因病纳入低保、低边的支出型困难人员，认定前6个月政策范围内医疗费用纳入医疗救助范围
    (retro,) = settlement_of(pack).retroactive
    assert retro.id == "yuecheng-2022-six-months"
    assert set(retro.categories) == {Category.DIBAO, Category.DIBAO_EDGE}
    assert (retro.months_before_identification, retro.in_policy_only) == (6, True)
    assert settlement_of(pack).critical_illness is None  # only 取消最高支付限额: the settlement system sends it
    assert pack.referral is not None
    assert pack.referral.agencies == (Agency.CIVIL_AFFAIRS,)  # 医保部门向民政部门推送高额医疗费用人员信息


# --- 彭水 (seed 004) -----------------------------------------------------------------------------------


def test_pengshui_monitoring(book: PolicyBook) -> None:
    pack = book.get("pengshui-2024")
    monitoring = monitoring_of(pack)
    # 经基本医保、大病保险和医疗救助报销后，自身承担费用（自付+自费）
    assert monitoring.burden is BurdenDefinition.AFTER_ALL_TIERS
    # 达到…及以上: at or above, for every rule
    assert all(r.comparison is Comparison.AT_LEAST for r in monitoring.rules)
    low_income = monitoring.rule_for(frozenset({Category.SUDDEN_HARDSHIP}))
    # 七类低收入人口（特困人员、低保对象、低保边缘户、返贫致贫人口、脱贫不稳定户、边缘易致贫户、突发严重困难户）
    assert set(low_income.categories) == {
        Category.TEKUN,
        Category.DIBAO,
        Category.DIBAO_EDGE,
        Category.RETURNED_TO_POVERTY,
        Category.UNSTABLE_OUT_OF_POVERTY,
        Category.EDGE_OF_POVERTY,
        Category.SUDDEN_HARDSHIP,
    }
    # 当年防止返贫监测标准100%及以上 / 稳定脱贫人口…2倍及以上
    stable = monitoring.rule_for(frozenset({Category.STABLE_OUT_OF_POVERTY}))
    assert (low_income.threshold.figure, low_income.threshold.share) == ("monitoring_standard", Decimal(1))
    assert (stable.threshold.figure, stable.threshold.share) == ("monitoring_standard", Decimal(2))
    # 普通居民…达到上年度农村居民人均可支配收入标准: 2024 uses 重庆's 2023 rural income, 20820.00
    ordinary = monitoring.rule_for(frozenset())
    assert ordinary.level is RiskLevel.IMPOVERISH
    assert pack.amount(ordinary.threshold, 2024) == Decimal("20820.00")


def test_pengshui_monitoring_standard_is_pending_and_fails_loudly(book: PolicyBook) -> None:
    pack = book.get("pengshui-2024")
    rule = monitoring_of(pack).rule_for(frozenset({Category.DIBAO}))
    # 乡村振兴部门确定的当年防止返贫监测标准: not in the seed, so no value; the error names figure and year.
    with pytest.raises(MissingFigure) as info:
        pack.amount(rule.threshold, 2024)
    message = str(info.value)
    assert "pengshui-2024" in message
    assert "'monitoring_standard'" in message
    assert "2024" in message
    assert any(line.startswith("monitoring_standard:") for line in pack.pending_figures())
    assert any(line.startswith("contribution_tier2:") for line in pack.pending_figures())


def test_pengshui_critical_illness_and_assistance(book: PolicyBook) -> None:
    pack = book.get("pengshui-2024")
    critical = settlement_of(pack).critical_illness
    assert critical is not None
    # 从2024年1月1日起，大病保险起付线调整为17833元
    assert (v(critical.deductible), critical.deductible.status) == (Decimal("17833.00"), Status.CONFIRMED)
    # 政策范围内支付比例稳定在60%左右: a target, read as the base ratio — unconfirmed.
    assert (v(critical.ratio), critical.ratio.status) == (Decimal("0.60"), Status.UNCONFIRMED)
    # 不设封顶线 for the tilted groups only: the others' cap is 重庆's, not quoted — pending, not "no cap".
    assert pending(pack, "settlement.critical_illness.annual_cap")
    # 对特困人员、低保对象和返贫致贫人口实施倾斜支付政策。上述对象…起付线降低50%，报销比例提高5个百分点，不设封顶线
    tilt = critical.tilt
    assert tilt is not None
    assert set(tilt.categories) == {Category.TEKUN, Category.DIBAO, Category.RETURNED_TO_POVERTY}
    assert (v(tilt.deductible_factor), v(tilt.ratio_bonus), tilt.uncapped) == (Decimal("0.5"), Decimal("0.05"), True)
    # 特困人员、低保对象、返贫致贫人口…救助比例不低于80%，其他低收入人口不低于70%
    # — the minimum, used as the ratio (reading): unconfirmed.
    core = group(pack, "pengshui-2024-core")
    assert (v(core.ratios[Visit.INPATIENT]), core.ratios[Visit.INPATIENT].status) == (
        Decimal("0.80"),
        Status.UNCONFIRMED,
    )
    other = group(pack, "pengshui-2024-other-low-income")
    assert v(other.ratios[Visit.INPATIENT]) == Decimal("0.70")
    # 确保年度救助限额内: the limit is the pending figure assistance_annual_limit.
    assert core.annual_limit.figure == other.annual_limit.figure == "assistance_annual_limit"
    assert set(other.categories) == {
        Category.DIBAO_EDGE,
        Category.UNSTABLE_OUT_OF_POVERTY,
        Category.EDGE_OF_POVERTY,
        Category.SUDDEN_HARDSHIP,
    }
    assert pack.referral is not None
    # 将预警人员信息及时共享给民政、乡村振兴、卫生健康等部门
    assert pack.referral.agencies == (Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION, Agency.HEALTH)


def test_pengshui_subsidy(book: PolicyBook) -> None:
    pack = book.get("pengshui-2024")
    assert subsidy_of(pack).contribution_figures == {1: "contribution_tier1", 2: "contribution_tier2"}
    # 重点优抚对象…按二档缴费标准的100%资助
    key = subsidy_rule(pack, "pengshui-2024-veteran-key")
    assert (v(key.share), key.of_tier) == (Decimal("1.00"), 2)
    # 其他优抚对象、特困人员、计生残抚（特扶）人员，参加一档二档，均按一档缴费标准的100%资助
    full = subsidy_rule(pack, "pengshui-2024-tier1-full")
    assert set(full.categories) == {Category.VETERAN_OTHER, Category.TEKUN, Category.FAMILY_PLANNING_SPECIAL}
    assert (v(full.share), full.of_tier, full.enrolled_tiers) == (Decimal("1.00"), 1, (1, 2))
    # 计生优抚（奖扶）人员，参加一档二档均按一档缴费标准的80%资助
    reward = subsidy_rule(pack, "pengshui-2024-family-planning-reward")
    assert (v(reward.share), reward.of_tier, reward.enrolled_tiers) == (Decimal("0.80"), 1, (1, 2))
    # 城乡低保对象，按一档缴费标准的90%资助
    dibao = subsidy_rule(pack, "pengshui-2024-dibao-tier1")
    assert (v(dibao.share), dibao.of_tier, dibao.enrolled_tiers) == (Decimal("0.90"), 1, (1,))
    # 低保边缘户、因病致贫重病患者、…城乡重度1—2级残疾人员，按一档标准的70%资助
    low = subsidy_rule(pack, "pengshui-2024-low-income-tier1")
    assert (v(low.share), low.of_tier, low.enrolled_tiers) == (Decimal("0.70"), 1, (1,))
    assert {Category.SERIOUS_ILLNESS_POOR, Category.SEVERE_DISABILITY} <= set(low.categories)
    # 上述人员自愿参加二档的，按一档缴费标准的100%资助 (低保 included: reading)
    tier2 = subsidy_rule(pack, "pengshui-2024-low-income-tier2")
    assert (v(tier2.share), tier2.of_tier, tier2.enrolled_tiers) == (Decimal("1.00"), 1, (2,))
    assert set(tier2.categories) == set(low.categories) | {Category.DIBAO}
    # 稳定脱贫人口参加2024年居民医保，按每人30元标准给予定额资助 … 由乡村振兴部门安排统筹衔接资金解决
    stable = subsidy_rule(pack, "pengshui-2024-stable")
    assert (v(stable.fixed), stable.funding) == (Decimal("30.00"), (Funding.RURAL_REVITALIZATION_FUNDS,))
    # 低收入人口参保资助资金由医疗救助资金解决
    assert low.funding == dibao.funding == (Funding.MEDICAL_ASSISTANCE_FUND,)
    # The tier-1 standard (national minimum, unconfirmed) resolves; the tier-2 standard is pending.
    assert pack.figures["contribution_tier1"].values[2024] == Decimal("400.00")
    assert not pack.figures["contribution_tier2"].values
