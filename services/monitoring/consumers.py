"""The topics the monitoring service listens to, and the handler for each contract."""

from __future__ import annotations

from libs.common.messaging.consumer import HandlerEntry
from libs.common.messaging.contracts import Contract
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.policy import PolicyBook
from services.monitoring import handlers
from services.monitoring.reports import handlers as reports

# Claims come in bulk (a settlement system's day); a bigger fetch means fewer, larger set-based transactions.
CLAIM_BATCH = 2000


def handler_table(book: PolicyBook) -> dict[type[Contract], HandlerEntry]:
    return {
        RosterChangedV1: handlers.make_on_roster_changed(book),
        ClaimSettledV1: handlers.make_on_claims_settled(book),
        # The reports' read models: the service's own warnings, and the referral answers (附件2).
        **reports.handler_table(),
    }
