"""Administrative division codes (行政区划代码): province 14xxxx, city 1411xx, county 141123.

A region covers every code it is a prefix of, once its trailing "00" levels are dropped.
"""

from __future__ import annotations

ALL_REGIONS = "000000"


def region_prefix(code: str) -> str:
    """140000 → "14", 141100 → "1411", 141123 → "141123", 000000 → "" (everywhere)."""
    prefix = code
    while prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def covers(region_code: str, county_code: str) -> bool:
    return county_code.startswith(region_prefix(region_code))


def specificity(region_code: str) -> int:
    return len(region_prefix(region_code))


# The names of the regions the reviewed packs govern and of the counties the dev tokens cover; a code not listed
# is shown as the code.
NAMES = {
    "140000": "山西省",
    "140900": "忻州市",
    "140902": "忻府区",
    "141100": "吕梁市",
    "141123": "兴县",
    "141124": "临县",
    "330602": "绍兴市越城区",
    "371000": "威海市",
    "371002": "威海市环翠区",
    "500243": "彭水苗族土家族自治县",
}


def name_of(code: str) -> str:
    return NAMES.get(code, code)
