"""Roster rules: which agency may decide which category. Pure: no framework, no I/O."""

from __future__ import annotations

from datetime import date

from libs.common.agencies import Agency
from libs.common.categories import Category
from libs.common.messaging.contracts.enrollment import EnrollmentStatus, GapKind

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


# Statuses that count as enrolled for the year; a lapse into the others opens a gap for a vulnerable person.
COVERED = frozenset({EnrollmentStatus.ENROLLED, EnrollmentStatus.PAID})
_LAPSES = {EnrollmentStatus.DROPPED: GapKind.DROPPED, EnrollmentStatus.INTERRUPTED: GapKind.INTERRUPTED}
# Anyone on a roster an agency keeps is watched for gaps.
VULNERABLE = frozenset().union(*AUTHORITY.values())


def lapse_kind(status: EnrollmentStatus) -> GapKind | None:
    return _LAPSES.get(status)


def enrollment_year(effective_date: date) -> int:
    """The enrollment year a roster change concerns: the year it takes effect (a reading; the seeds are silent)."""
    return effective_date.year
