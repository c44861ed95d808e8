"""Region coverage, settings refusing default secrets in prod, and API-key lookup (no HTTP)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from libs.common.agencies import Agency
from libs.common.auth import ApiKeys, Principal
from libs.common.regions import ALL_REGIONS, covers, region_prefix, specificity
from libs.common.settings import DEV_PERSON_KEY_SECRET, Settings

CONFIGURED = '{"tok-1234567890abcdef": {"agency": "civil_affairs", "region": "141123", "name": "兴县民政局"}}'
STRONG_SECRET = "x" * 32


@pytest.fixture(autouse=True)
def _no_safetynet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SAFETYNET_") or name.upper() == "DATABASE_URL":
            monkeypatch.delenv(name)


# --- regions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "county", "expected"),
    [
        ("141100", "141123", True),  # 吕梁市 covers 兴县
        ("141100", "140902", False),  # not 忻府区 (忻州市 1409)
        ("140000", "140902", True),  # 山西省 covers both
        ("141123", "141123", True),
        ("141123", "141124", False),  # a county covers only itself
        ("141000", "141023", True),  # 临汾市: one trailing "00" pair only
        ("141000", "141123", False),
        (ALL_REGIONS, "141123", True),
        (ALL_REGIONS, "371002", True),
    ],
)
def test_covers(region: str, county: str, expected: bool) -> None:
    assert covers(region, county) is expected


def test_prefix_and_specificity() -> None:
    assert [region_prefix(c) for c in ("140000", "141100", "141123", "000000")] == ["14", "1411", "141123", ""]
    assert specificity("000000") < specificity("140000") < specificity("141100") < specificity("141123")


def test_principal_covers() -> None:
    principal = Principal("兴县民政局", Agency.CIVIL_AFFAIRS, "141123")
    assert principal.covers("141123")
    assert not principal.covers("141124")


# --- settings ----------------------------------------------------------------------------------------


def test_prod_without_api_keys_is_refused() -> None:
    with pytest.raises(ValidationError, match="SAFETYNET_API_KEYS"):
        Settings(environment="prod", api_keys=None, person_key_secret=STRONG_SECRET)


def test_prod_with_dev_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="SAFETYNET_PERSON_KEY_SECRET"):
        Settings(environment="prod", person_key_secret=DEV_PERSON_KEY_SECRET, api_keys="{}")


def test_prod_with_default_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="SAFETYNET_PERSON_KEY_SECRET"):
        Settings(environment="prod", api_keys="{}")


def test_prod_secret_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_ENVIRONMENT", "prod")
    monkeypatch.setenv("SAFETYNET_PERSON_KEY_SECRET", STRONG_SECRET)
    monkeypatch.setenv("SAFETYNET_API_KEYS", CONFIGURED)
    settings = Settings()
    assert settings.environment == "prod"
    assert settings.person_key_secret.get_secret_value() == STRONG_SECRET


def test_prod_with_keys_and_secret_starts() -> None:
    settings = Settings(environment="prod", api_keys=CONFIGURED, person_key_secret=STRONG_SECRET)
    principal = ApiKeys.from_settings(settings).lookup("tok-1234567890abcdef")
    assert principal == Principal("兴县民政局", Agency.CIVIL_AFFAIRS, "141123")
    assert ApiKeys.from_settings(settings).lookup("dev-civil_affairs") is None


def test_prod_refuses_short_token() -> None:
    short = '{"tok-short": {"agency": "health", "name": "卫健委"}}'
    settings = Settings(environment="prod", api_keys=short, person_key_secret=STRONG_SECRET)
    with pytest.raises(ValueError, match="shorter than 16"):
        ApiKeys.from_settings(settings)


# --- API keys ----------------------------------------------------------------------------------------


def test_configured_keys_replace_dev_keys() -> None:
    keys = ApiKeys.from_settings(Settings(environment="test", api_keys=CONFIGURED))
    assert keys.lookup("tok-1234567890abcdef") == Principal("兴县民政局", Agency.CIVIL_AFFAIRS, "141123")
    assert keys.lookup("dev-civil_affairs") is None
    assert keys.lookup("tok-1234567890abcdeF") is None  # exact match only


def test_configured_key_defaults_to_all_regions_and_agency_name() -> None:
    keys = ApiKeys.from_settings(Settings(environment="test", api_keys='{"tok-any": {"agency": "health"}}'))
    assert keys.lookup("tok-any") == Principal("health", Agency.HEALTH, ALL_REGIONS)


def test_configured_keys_from_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(CONFIGURED, encoding="utf-8")
    keys = ApiKeys.from_settings(Settings(environment="test", api_keys_file=path))
    principal = keys.lookup("tok-1234567890abcdef")
    assert principal is not None
    assert principal.name == "兴县民政局"


def test_dev_keys_when_none_configured() -> None:
    keys = ApiKeys.from_settings(Settings(environment="dev"))
    assert keys.lookup("dev-medical_security") == Principal(
        "dev medical_security", Agency.MEDICAL_SECURITY, ALL_REGIONS
    )
    scoped = keys.lookup("dev-civil_affairs-141123")
    assert scoped is not None
    assert (scoped.agency, scoped.region_code) == (Agency.CIVIL_AFFAIRS, "141123")
    assert keys.lookup("dev-nobody") is None


def test_unknown_agency_in_configured_keys() -> None:
    with pytest.raises(ValueError, match="police"):
        ApiKeys.from_settings(Settings(environment="test", api_keys='{"tok-x": {"agency": "police"}}'))
