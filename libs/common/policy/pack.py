"""A policy pack: one region, one period, every number its rules use, each with its source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs.common import regions
from libs.common.policy.enrollment import EnrollmentRules
from libs.common.policy.figures import Amount, Figure
from libs.common.policy.monitoring import Monitoring
from libs.common.policy.referral import ReferralRule
from libs.common.policy.reports import Reports
from libs.common.policy.settlement import Settlement
from libs.common.policy.subsidy import Subsidy
from libs.common.policy.values import Limit, Ratio, Status, Sum, walk
from libs.common.policy.waiting import WaitingPeriod


class PolicyPack(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    region_code: str = Field(pattern=r"^\d{6}$", description="the region it governs; covers codes it prefixes")
    source: str
    effective_from: date
    effective_to: date | None = None
    figures: dict[str, Figure] = Field(default_factory=dict)
    monitoring: Monitoring | None = None
    referral: ReferralRule | None = None
    settlement: Settlement | None = None
    subsidy: Subsidy | None = None
    enrollment: EnrollmentRules | None = None
    waiting_period: WaitingPeriod | None = None
    reports: Reports | None = None

    @model_validator(mode="after")
    def _figures_exist(self) -> PolicyPack:
        missing = sorted({name for name in self._figure_references() if name not in self.figures})
        if missing:
            raise ValueError(f"pack {self.id} refers to figures it does not define: {', '.join(missing)}")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"pack {self.id}: effective_to is before effective_from")
        return self

    def figure_references(self) -> set[str]:
        """The figures some rule of the pack uses (a value for any other changes nothing)."""
        return set(self._figure_references())

    def monitoring_figures(self) -> set[str]:
        """The figures the warning lines use (a value for one of them moves a line)."""
        if self.monitoring is None:
            return set()
        return {r.threshold.figure for r in self.monitoring.rules if r.threshold.figure is not None}

    def _figure_references(self) -> Iterator[str]:
        if self.monitoring is not None:
            yield from (r.threshold.figure for r in self.monitoring.rules if r.threshold.figure is not None)
        for _path, value in self.values():
            figure = getattr(value, "figure", None)
            if figure is not None:
                yield figure
        if self.subsidy is not None:
            yield from self.subsidy.contribution_figures.values()

    def values(self) -> Iterator[tuple[str, Ratio | Sum | Limit]]:
        """Every ratio, sum and limit of the settlement and subsidy rules, with its path in the pack."""
        for section in ("settlement", "subsidy"):
            for path, value in walk(getattr(self, section), section):
                assert isinstance(value, Ratio | Sum | Limit)
                yield path, value

    def covers(self, county_code: str, on: date) -> bool:
        in_period = self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)
        return in_period and regions.covers(self.region_code, county_code)

    def amount(self, amount: Amount, year: int) -> Decimal:
        """Resolve a fixed amount or a share of a figure for ``year``; MissingFigure names what is missing."""
        return amount.resolve(self.figures, year, self.id)

    def pending_figures(self) -> list[str]:
        """Figures the pack declares but an operator still has to set (shown by `safetynet policy check`)."""
        return [f"{name}: {f.pending}" for name, f in sorted(self.figures.items()) if f.pending]

    def unconfirmed_figures(self) -> list[str]:
        return [name for name, f in sorted(self.figures.items()) if not f.confirmed]

    def pending_values(self) -> list[str]:
        """Ratios and limits an operator still has to set (a rule that needs one answers a problem naming it)."""
        return [f"{path}: {v.pending}" for path, v in self.values() if v.status is Status.PENDING]

    def unconfirmed_values(self) -> list[str]:
        return [path for path, v in self.values() if v.status is Status.UNCONFIRMED]
