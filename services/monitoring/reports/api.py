"""The report routers, mounted by the monitoring bootstrap."""

from __future__ import annotations

from services.monitoring.reports.quarterly_api import router as quarterly
from services.monitoring.reports.warning_list_api import router as warning_list

routers = [warning_list, quarterly]
