"""Older trees have a district between province and commune: depth must not matter."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.core.access import access_for_user
from chibo.core.roles import Cap, Role
from chibo.orgunits.models import PostKind, UnitKind
from chibo.orgunits.services import grant_add, post_assign
from tests.factories import make_member, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_tree(world):
    district = make_unit(world.province, "Đảng bộ huyện Tam Đường", UnitKind.DISTRICT)
    commune = make_unit(district, "Đảng bộ xã Bản Bo", UnitKind.COMMUNE)
    cell = make_unit(commune, "Chi bộ bản Nà Đon", UnitKind.CELL)
    group = make_unit(cell, "Tổ đảng số 1", UnitKind.PARTY_GROUP)
    district_user = make_user("district", "Lò Văn Huyện")
    with scopes_disabled():
        grant_add(actor=None, user=district_user, unit=district, role=Role.COMMUNE_COMMITTEE)
    return district, commune, cell, group, district_user


def test_a_district_grant_reaches_down_five_levels(world, old_tree, client_for) -> None:
    district, commune, cell, group, user = old_tree
    client = client_for(user)
    for unit in (district, commune, cell, group):
        assert client.get(reverse("orgunits:detail", args=[unit.pk])).status_code == 200
    assert client.get(reverse("orgunits:detail", args=[world.cell.pk])).status_code == 404
    assert client.get(reverse("orgunits:detail", args=[world.province.pk])).status_code == 404


def test_breadcrumb_and_tree_follow_the_depth(world, old_tree, client_for) -> None:
    district, commune, cell, group, _user = old_tree
    html = (
        client_for(world.province_user)
        .get(reverse("orgunits:detail", args=[group.pk]))
        .content.decode()
    )
    crumbs = html.split('class="crumbs"')[1].split("</nav>")[0]
    names = [world.province.name, district.name, commune.name, cell.name, group.name]
    positions = [crumbs.index(n) for n in names]
    assert positions == sorted(positions)


def test_a_secretary_post_on_a_deep_cell_gives_the_role_there(world, old_tree) -> None:
    _district, _commune, cell, group, _user = old_tree
    secretary = make_user("deepsec", "Tao Văn Sâu")
    holder = make_member(cell, "Tao Văn Sâu", secretary)
    with scopes_disabled():
        post_assign(
            actor=None,
            unit=cell,
            member=holder,
            kind=PostKind.SECRETARY,
            start_date=holder.admission_date,
        )
    access = access_for_user(secretary)
    assert access.can(Cap.MEMBER_CHANGE, group)
    assert not access.can(Cap.UNIT_VIEW, world.cell)
