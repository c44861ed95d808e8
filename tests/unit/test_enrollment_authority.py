"""Which agency may add or exit which category on the roster (DOMAIN.md "Who takes part")."""

from __future__ import annotations

import pytest

from libs.common.agencies import Agency
from libs.common.categories import Category, parse_category
from services.enrollment.domain import NotAuthorised, check_authority


def refused(agency: Agency, category: Category) -> str:
    with pytest.raises(NotAuthorised) as info:
        check_authority(agency, category)
    assert isinstance(info.value, PermissionError)
    return str(info.value)


@pytest.mark.parametrize("label", ["低保", "特困", "低保边缘", "因病致贫重病患者"])
def test_civil_affairs_may_add(label: str) -> None:
    check_authority(Agency.CIVIL_AFFAIRS, parse_category(label))  # no exception


def test_civil_affairs_may_not_add_unstable_out_of_poverty() -> None:
    message = refused(Agency.CIVIL_AFFAIRS, parse_category("脱贫不稳定"))
    assert "民政局" in message
    assert "脱贫不稳定人口" in message
    assert "unstable_out_of_poverty" in message
    assert "低保对象" in message  # lists what civil affairs may adjust


def test_rural_revitalization_may_add_returned_to_poverty_not_dibao() -> None:
    check_authority(Agency.RURAL_REVITALIZATION, parse_category("返贫致贫"))
    message = refused(Agency.RURAL_REVITALIZATION, Category.DIBAO)
    assert "乡村振兴局" in message
    assert "低保对象" in message


@pytest.mark.parametrize("category", list(Category))
def test_veterans_only_veteran_categories(category: Category) -> None:
    if category in {Category.VETERAN_KEY, Category.VETERAN_OTHER}:  # 优抚对象
        check_authority(Agency.VETERANS, category)
    else:
        assert "退役军人事务局" in refused(Agency.VETERANS, category)


@pytest.mark.parametrize("category", list(Category))
def test_disabled_federation_only_severe_disability(category: Category) -> None:
    if category is Category.SEVERE_DISABILITY:
        check_authority(Agency.DISABLED_FEDERATION, category)
    else:
        assert "残联" in refused(Agency.DISABLED_FEDERATION, category)


@pytest.mark.parametrize("category", list(Category))
def test_health_has_no_authority(category: Category) -> None:
    message = refused(Agency.HEALTH, category)
    assert "卫生健康委" in message
    assert "its categories: none" in message


@pytest.mark.parametrize("agency", [Agency.MEDICAL_SECURITY, Agency.FINANCE, Agency.TAX, Agency.TOWNSHIP])
def test_other_agencies_have_no_authority(agency: Agency) -> None:
    refused(agency, Category.DIBAO)
