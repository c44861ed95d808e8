"""referral.opened V2 (due_on nullable) and its upcaster from V1; the optional feedback fields of referral.resolved."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from libs.common.agencies import Agency
from libs.common.messaging.contracts import REGISTRY
from libs.common.messaging.contracts.referral import Outcome, ReferralOpenedV2, ReferralResolvedV1

V1_ON_THE_WIRE = {
    "referral_id": "R-1",
    "flag_id": "F-1",
    "person_key": "p1",
    "region_code": "141123",
    "agency": "civil_affairs",
    "opened_on": "2026-09-25",
    "due_on": "2026-10-09",
    "due_provisional": False,
    "deadline_rule_id": "shanxi-2022:referral",
}


def test_a_v1_referral_opened_is_read_as_v2() -> None:
    event = REGISTRY.decode("cn.safetynet.referral.opened", 1, dict(V1_ON_THE_WIRE))
    assert isinstance(event, ReferralOpenedV2)
    assert (event.due_on, event.feedback_working_days, event.policy_carried_forward) == (
        date(2026, 10, 9),
        None,  # V1 knew one deadline, counted from the opening: no feedback deadline after a decision
        False,
    )
    assert REGISTRY.latest("cn.safetynet.referral.opened") is ReferralOpenedV2


def test_v2_takes_a_referral_with_no_decision_deadline_and_says_whether_the_pack_was_carried() -> None:
    v2 = {**V1_ON_THE_WIRE, "due_on": None, "feedback_working_days": 5, "policy_carried_forward": False}
    assert REGISTRY.decode("cn.safetynet.referral.opened", 2, v2).due_on is None  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="policy_carried_forward"):
        ReferralOpenedV2.model_validate({k: v for k, v in v2.items() if k != "policy_carried_forward"})


def test_resolved_v1_without_the_new_fields_still_decodes() -> None:
    old = {
        "referral_id": "R-1",
        "flag_id": "F-1",
        "person_key": "p1",
        "region_code": "141123",
        "agency": "civil_affairs",
        "outcome": "included_dibao",
        "resolved_on": "2026-10-14",
    }
    event = REGISTRY.decode("cn.safetynet.referral.resolved", 1, old)
    assert isinstance(event, ReferralResolvedV1)
    assert (event.outcome, event.decided_on, event.feedback_late) == (Outcome.INCLUDED_DIBAO, None, None)
    late = ReferralResolvedV1.model_validate(
        {**old, "decided_on": "2026-09-30", "feedback_due_on": "2026-10-13", "feedback_late": True,
         "feedback_working_days_late": 1}
    )  # fmt: skip
    assert (late.agency, late.feedback_working_days_late) == (Agency.CIVIL_AFFAIRS, 1)
