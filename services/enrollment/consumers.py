"""The topics the enrollment service listens to, and the handler for each contract."""

from __future__ import annotations

from libs.common.messaging.consumer import Handler
from libs.common.messaging.contracts import Contract
from libs.common.messaging.contracts.referral import ReferralResolvedV1
from services.enrollment.gaps import GapRules
from services.enrollment.referral_feedback import make_on_referral_resolved


def handler_table(rules: GapRules) -> dict[type[Contract], Handler]:
    return {ReferralResolvedV1: make_on_referral_resolved(rules)}
