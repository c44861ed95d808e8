"""Agency authentication: one bearer token (or X-API-Key) per calling agency system, scoped to a region.

Tokens are configured (SAFETYNET_API_KEYS as JSON, or a file); only in dev/test does a built-in set of
``dev-<agency>`` tokens exist. Tokens are kept as SHA-256 digests, so a memory dump or log never shows one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from libs.common.agencies import Agency
from libs.common.problems import Problem
from libs.common.regions import ALL_REGIONS, covers
from libs.common.settings import Settings

# A region's 医保 operator: enters the year's policy figures and successor packs for the packs of its region.
POLICY_ADMIN = "policy_admin"
ROLES = frozenset({POLICY_ADMIN})
# The regions of the reviewed packs (policies/*.yaml), each with a dev operator token dev-policy_admin-<region>.
_DEV_OPERATOR_REGIONS = ("140000", "140900", "371000", "330602", "500243")


@dataclass(frozen=True)
class Principal:
    name: str
    agency: Agency
    region_code: str
    roles: frozenset[str] = frozenset()

    def covers(self, county_code: str) -> bool:
        return covers(self.region_code, county_code)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiKeys:
    def __init__(self, principals_by_token: Mapping[str, Principal]) -> None:
        self._by_digest = {_digest(t): p for t, p in principals_by_token.items()}

    def lookup(self, token: str) -> Principal | None:
        return self._by_digest.get(_digest(token))

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiKeys:
        raw: dict[str, Any] | None = None
        if settings.api_keys is not None:
            raw = json.loads(settings.api_keys.get_secret_value())
        elif settings.api_keys_file is not None:
            raw = json.loads(settings.api_keys_file.read_text(encoding="utf-8"))
        if raw is None:
            if settings.environment == "prod":
                raise ValueError("no API keys configured")
            return cls.dev_keys()
        principals = {}
        for token, spec in raw.items():
            if len(token) < 16 and settings.environment == "prod":
                raise ValueError(f"API key for {spec.get('name')!r} is shorter than 16 characters")
            roles = frozenset(str(r) for r in spec.get("roles", ()))
            if roles - ROLES:
                raise ValueError(f"API key for {spec.get('name')!r}: unknown roles {sorted(roles - ROLES)}")
            principals[token] = Principal(
                name=str(spec.get("name") or spec["agency"]),
                agency=Agency(spec["agency"]),
                region_code=str(spec.get("region", ALL_REGIONS)),
                roles=roles,
            )
        return cls(principals)

    @classmethod
    def dev_keys(cls) -> ApiKeys:
        """dev-<agency> for each agency, all regions; dev-<agency>-<county> scoped to one county."""
        keys = {f"dev-{a.value}": Principal(f"dev {a.value}", a, ALL_REGIONS) for a in Agency}
        for county in ("141123", "141124", "140902", "371002", "330602", "500243"):
            keys.update({f"dev-{a.value}-{county}": Principal(f"dev {a.value} {county}", a, county) for a in Agency})
        operator = (Agency.MEDICAL_SECURITY, frozenset({POLICY_ADMIN}))
        keys["dev-policy_admin"] = Principal("dev policy_admin", operator[0], ALL_REGIONS, operator[1])
        for region in _DEV_OPERATOR_REGIONS:
            keys[f"dev-policy_admin-{region}"] = Principal(
                f"dev policy_admin {region}", operator[0], region, operator[1]
            )
        return cls(keys)


def _token_from(request: Request, *, basic: bool = False) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if basic and scheme.lower() == "basic" and value.strip():
        # A browser's own login prompt: any user name, the agency token as the password.
        try:
            _user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return password or None
    return request.headers.get("x-api-key") or None


def allow(*agencies: Agency, browser: bool = False) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that authenticates the caller and admits only the listed agencies.

    ``browser``: also accept HTTP Basic with the token as the password, and challenge with Basic, so a person
    opening a read-only page (the deadline board) gets the browser's own login prompt: no token in the URL, no
    JavaScript, no cookie to steal. Only for GET pages: browsers resend Basic credentials on their own.
    """
    allowed = frozenset(agencies)
    challenge = {"WWW-Authenticate": 'Basic realm="safetynet", charset="UTF-8"' if browser else "Bearer"}

    async def dependency(request: Request) -> Principal:
        keys: ApiKeys = request.app.state.api_keys
        token = _token_from(request, basic=browser)
        if token is None:
            raise Problem(
                401,
                "unauthenticated",
                "Authentication required / 需要身份认证",
                "send 'Authorization: Bearer <agency token>' or 'X-API-Key: <agency token>'"
                + (" (in a browser: any user name, the token as the password)" if browser else ""),
                headers=challenge,
            )
        principal = keys.lookup(token)
        if principal is None:
            raise Problem(401, "unauthenticated", "Unknown token / 令牌无效", headers=challenge)
        if principal.agency not in allowed:
            names = ", ".join(sorted(a.value for a in allowed))
            raise Problem(
                403,
                "forbidden-agency",
                "Agency not allowed / 无权访问",
                f"this route allows only: {names}; the token belongs to {principal.agency.value}",
            )
        request.state.principal = principal
        return principal

    return dependency


def require_role(principal: Principal, role: str) -> None:
    if role not in principal.roles:
        raise Problem(
            403,
            "forbidden-role",
            "Role not allowed / 无此角色权限",
            f"this needs the role {role}; the token of {principal.name} has "
            + (", ".join(sorted(principal.roles)) or "no role"),
        )


def require_region(principal: Principal, county_code: str) -> None:
    if not principal.covers(county_code):
        raise Problem(
            403,
            "forbidden-region",
            "Region not allowed / 无权访问该地区",
            f"the token of {principal.name} covers region {principal.region_code}, not {county_code}",
        )
