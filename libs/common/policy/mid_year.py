"""Subsidy for a person who becomes vulnerable during the enrollment year (Shanxi 晋医保发〔2022〕9号 四).

- Enrolled before the adjustment: within the concentrated period, medical assistance pays the subsidy (the
  person is refunded it); after the period, nothing is refunded.
- Not enrolled before: the person pays the own share (自负部分), the subsidy part comes from the medical
  assistance fund, and the fiscal part of the contribution (财政补助) is borne in full by county finance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from libs.common.policy.enrollment import MidYear
from libs.common.policy.explanation import EngineError, Step
from libs.common.policy.subsidy import Funding
from libs.common.policy.subsidy_quote import SubsidyQuote

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class MidYearQuote:
    subsidy: Decimal  # what medical assistance pays for this person this year
    refund: Decimal  # of that, what goes back to a person who had already paid in full
    own_share: Decimal  # what the person pays (or keeps having paid)
    funding: tuple[Funding, ...]
    fiscal_share_by_county: bool  # the government's per-capita part falls on county finance alone
    steps: tuple[Step, ...]


def quote_mid_year(
    rules: MidYear, base: SubsidyQuote, pack_id: str, year: int, adjusted_on: date, enrolled_before: bool
) -> MidYearQuote:
    if year not in rules.concentrated_periods:
        why = f" ({rules.pending})" if rules.pending else ""
        raise EngineError("year", "concentrated_period", f"pack {pack_id}: no 集中参保缴费期 for {year}{why}")
    period = rules.concentrated_periods[year]
    if enrolled_before:
        if adjusted_on <= period.end:
            note = f"动态调整前已参保, 集中参保缴费期({period.start}至{period.end})内由医疗救助按规定资助"
            step = Step("subsidy", pack_id, "mid-year.enrolled-in-period", base.contribution, None, base.subsidy, note)
            return MidYearQuote(base.subsidy, base.subsidy, base.own_share, base.funding, False, (step,))
        note = f"动态调整前已参保, 集中参保缴费期({period.end})结束后个人参保缴费资金不退还"
        step = Step("subsidy", pack_id, "mid-year.enrolled-after-period", base.contribution, None, ZERO, note)
        return MidYearQuote(ZERO, ZERO, base.contribution, (), False, (step,))
    note = "动态调整前未参保: 个人缴费自负部分由个人补缴, 资助部分由医疗救助资金负担, 财政补助部分由县级财政全额承担"
    step = Step("subsidy", pack_id, "mid-year.not-enrolled", base.contribution, None, base.subsidy, note)
    funding = (Funding.MEDICAL_ASSISTANCE_FUND,) if base.subsidy > 0 else ()
    return MidYearQuote(base.subsidy, ZERO, base.own_share, funding, True, (step,))
