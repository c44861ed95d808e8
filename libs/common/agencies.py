"""The agencies (部门) that take part, as stable codes with their Chinese names."""

from __future__ import annotations

from enum import StrEnum


class Agency(StrEnum):
    MEDICAL_SECURITY = "medical_security"
    CIVIL_AFFAIRS = "civil_affairs"
    RURAL_REVITALIZATION = "rural_revitalization"
    HEALTH = "health"
    FINANCE = "finance"
    TAX = "tax"
    VETERANS = "veterans"
    DISABLED_FEDERATION = "disabled_federation"
    TOWNSHIP = "township"

    @property
    def label(self) -> str:
        return AGENCY_LABELS[self]


AGENCY_LABELS: dict[Agency, str] = {
    Agency.MEDICAL_SECURITY: "医疗保障局",
    Agency.CIVIL_AFFAIRS: "民政局",
    Agency.RURAL_REVITALIZATION: "乡村振兴局",
    Agency.HEALTH: "卫生健康委",
    Agency.FINANCE: "财政局",
    Agency.TAX: "税务局",
    Agency.VETERANS: "退役军人事务局",
    Agency.DISABLED_FEDERATION: "残联",
    Agency.TOWNSHIP: "乡镇人民政府",
}
