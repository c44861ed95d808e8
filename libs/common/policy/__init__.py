"""Policy packs: every ratio, threshold, limit and deadline length, per region and period, as reviewed YAML.

Schema modules: figures (named, sourced numbers), values (ratios, sums and limits with their status and source),
monitoring, referral, settlement (three tiers), subsidy; ``pack`` ties them to a region and period; ``book`` loads
``policies/`` and finds the pack for a county and date; ``reader`` is how a calculation reads a pack's values.
"""

from libs.common.policy.book import (
    Governing,
    GoverningMonitoring,
    NoPolicy,
    PolicyBook,
    PolicyError,
    load_book,
    load_pack,
)
from libs.common.policy.figures import Amount, Figure, MissingFigure
from libs.common.policy.monitoring import BurdenDefinition, BurdenScope, Comparison, Monitoring, WarningRule
from libs.common.policy.pack import PolicyPack
from libs.common.policy.referral import ReferralRule, WorkingDaysDeadline
from libs.common.policy.values import PendingValue, Status

__all__ = [
    "Amount",
    "BurdenDefinition",
    "BurdenScope",
    "Comparison",
    "Figure",
    "Governing",
    "GoverningMonitoring",
    "MissingFigure",
    "Monitoring",
    "NoPolicy",
    "PendingValue",
    "PolicyBook",
    "PolicyError",
    "PolicyPack",
    "ReferralRule",
    "Status",
    "WarningRule",
    "WorkingDaysDeadline",
    "load_book",
    "load_pack",
]
