"""The assistance service's pure domain: claims as settled, the three-tier engine, subsidies. No I/O."""

from services.assistance.domain.claims import ClaimRejected, SettledClaim

__all__ = ["ClaimRejected", "SettledClaim"]
