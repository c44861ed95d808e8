"""The topics the assistance service listens to, and the handler for each contract."""

from __future__ import annotations

from libs.common.messaging.consumer import Handler
from libs.common.messaging.contracts import Contract
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from services.assistance import handlers


def handler_table() -> dict[type[Contract], Handler]:
    return {RosterChangedV1: handlers.on_roster_changed}
