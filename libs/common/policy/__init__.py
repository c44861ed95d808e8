"""Policy packs: every ratio, threshold, limit and deadline length, per region and period, as reviewed YAML.

Schema modules: figures (named, sourced numbers), monitoring, referral, settlement (three tiers), subsidy; ``pack``
ties them to a region and period; ``book`` loads ``policies/`` and finds the pack for a county and date.
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
    "PolicyBook",
    "PolicyError",
    "PolicyPack",
    "ReferralRule",
    "WarningRule",
    "WorkingDaysDeadline",
    "load_book",
    "load_pack",
]
