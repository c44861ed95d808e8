"""The topics the monitoring service listens to, and the handler for each contract."""

from __future__ import annotations

from libs.common.messaging.consumer import Handler
from libs.common.messaging.contracts import Contract
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.policy import PolicyBook
from services.monitoring import handlers
from services.monitoring.reports import handlers as reports


def handler_table(book: PolicyBook) -> dict[type[Contract], Handler]:
    return {
        RosterChangedV1: handlers.on_roster_changed,
        ClaimSettledV1: handlers.make_on_claim_settled(book),
        # The reports' read models: the service's own warnings, and the referral answers (附件2).
        **reports.handler_table(),
    }
