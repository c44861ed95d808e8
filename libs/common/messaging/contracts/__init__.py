"""All published contracts, registered in one registry. Importing this package registers them."""

from __future__ import annotations

from libs.common.messaging.contracts import assistance, enrollment, monitoring, referral
from libs.common.messaging.contracts.base import Contract, ContractRegistry, UnknownEventType

REGISTRY = ContractRegistry()
for _module in (enrollment, assistance, monitoring, referral):
    for _model in _module.CONTRACTS:
        REGISTRY.register(_model)
    for (_type, _from_version), _fn in _module.UPCASTERS.items():
        REGISTRY.register_upcaster(_type, _from_version, _fn)

__all__ = ["REGISTRY", "Contract", "ContractRegistry", "UnknownEventType"]
