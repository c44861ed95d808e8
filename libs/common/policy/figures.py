"""Named figures a pack's rules refer to (income statistics, contribution standards, monitoring lines).

Each figure records its source and one value per year it applies to, so "last year's provincial income" is
stored under the year in which it is used. A rule asking for a year the figure lacks is a configuration
error naming the figure and the year — never a silent zero.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs.common.money import NonNegativeYuan, to_yuan


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MissingFigure(LookupError):
    """A rule needs a figure value the pack does not have (``pack_id``, ``figure``, ``year`` say which)."""

    def __init__(self, message: str, *, pack_id: str = "", figure: str = "", year: int = 0) -> None:
        super().__init__(message)
        self.pack_id, self.figure, self.year = pack_id, figure, year


class Figure(_Frozen):
    description: str = Field(description="what the number is, in the words of the seed")
    source: str = Field(description="where it comes from (bulletin, seed, operator decision)")
    confirmed: bool = Field(description="false until checked against the publishing authority")
    values: dict[int, NonNegativeYuan] = Field(default_factory=dict, description="year it applies in → yuan")
    pending: str | None = Field(default=None, description="why there is no value yet, and who must set it")

    @model_validator(mode="after")
    def _value_or_reason(self) -> Figure:
        if not self.values and not self.pending:
            raise ValueError("a figure with no values must say in 'pending' who sets it")
        return self


class Amount(_Frozen):
    """Either a fixed sum, or a share of a named figure for the year in question."""

    fixed: NonNegativeYuan | None = None
    figure: str | None = None
    share: Decimal = Decimal(1)

    @model_validator(mode="before")
    @classmethod
    def _plain_number_is_fixed(cls, value: object) -> object:
        return {"fixed": value} if isinstance(value, str | int | Decimal) else value

    @model_validator(mode="after")
    def _one_of(self) -> Amount:
        if (self.fixed is None) == (self.figure is None):
            raise ValueError("an amount is either 'fixed' or a 'figure' (with an optional 'share')")
        if self.share <= 0:
            raise ValueError("share must be positive")
        return self

    def resolve(self, figures: dict[str, Figure], year: int, pack_id: str) -> Decimal:
        if self.fixed is not None:
            return self.fixed
        assert self.figure is not None
        figure = figures[self.figure]
        if year not in figure.values:
            why = f" ({figure.pending})" if figure.pending else ""
            raise MissingFigure(
                f"pack {pack_id}: figure '{self.figure}' ({figure.description}) has no value for {year}{why}",
                pack_id=pack_id,
                figure=self.figure,
                year=year,
            )
        return to_yuan(figure.values[year] * self.share)
