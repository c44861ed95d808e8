"""Roster rules: which agency may decide which category. Pure: no framework, no I/O."""

from __future__ import annotations

from libs.common.agencies import Agency
from libs.common.categories import Category

# Who holds authority over each identity (DOMAIN.md "Who takes part"; seed 000 附件3 flow).
AUTHORITY: dict[Agency, frozenset[Category]] = {
    Agency.CIVIL_AFFAIRS: frozenset(
        {Category.TEKUN, Category.DIBAO, Category.DIBAO_EDGE, Category.SERIOUS_ILLNESS_POOR}
    ),
    Agency.RURAL_REVITALIZATION: frozenset(
        {
            Category.RETURNED_TO_POVERTY,
            Category.UNSTABLE_OUT_OF_POVERTY,
            Category.EDGE_OF_POVERTY,
            Category.SUDDEN_HARDSHIP,
            Category.STABLE_OUT_OF_POVERTY,
            Category.MONITORED_ASSISTED,
            Category.POVERTY_POLICY_BENEFICIARY,
        }
    ),
    Agency.VETERANS: frozenset({Category.VETERAN_KEY, Category.VETERAN_OTHER}),
    Agency.DISABLED_FEDERATION: frozenset({Category.SEVERE_DISABILITY}),
}


class NotAuthorised(PermissionError):
    def __init__(self, agency: Agency, category: Category) -> None:
        allowed = ", ".join(sorted(c.label for c in AUTHORITY.get(agency, frozenset()))) or "none"
        super().__init__(
            f"{agency.label} may not add or exit {category.label} ({category.value}); "
            f"its categories: {allowed} / 该部门无权调整此人员类别"
        )


def check_authority(agency: Agency, category: Category) -> None:
    if category not in AUTHORITY.get(agency, frozenset()):
        raise NotAuthorised(agency, category)
