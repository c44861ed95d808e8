"""The topics the referral service listens to, and the handler for each contract."""

from __future__ import annotations

from libs.common.calendar import WorkingCalendar
from libs.common.messaging.consumer import Handler
from libs.common.messaging.contracts import Contract
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1
from libs.common.policy import PolicyBook
from services.referral import handlers


def handler_table(book: PolicyBook, calendar: WorkingCalendar) -> dict[type[Contract], Handler]:
    return {RiskFlaggedV1: handlers.make_on_risk_flagged(book, calendar)}
