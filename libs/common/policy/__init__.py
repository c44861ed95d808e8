"""Policy packs: every ratio, threshold, limit and deadline length, per region and period, as reviewed YAML.

Schema modules: figures (named, sourced numbers), monitoring, settlement (three tiers), subsidy; ``pack``
ties them to a region and period; ``book`` loads ``policies/`` and finds the pack for a county and date.
"""

from libs.common.policy.book import NoPolicy, PolicyBook, PolicyError, load_book, load_pack
from libs.common.policy.figures import Amount, Figure, MissingFigure
from libs.common.policy.monitoring import BurdenDefinition, BurdenScope, Comparison, Monitoring, WarningRule
from libs.common.policy.pack import PolicyPack, ReferralRule

__all__ = [
    "Amount",
    "BurdenDefinition",
    "BurdenScope",
    "Comparison",
    "Figure",
    "MissingFigure",
    "Monitoring",
    "NoPolicy",
    "PolicyBook",
    "PolicyError",
    "PolicyPack",
    "ReferralRule",
    "WarningRule",
    "load_book",
    "load_pack",
]
