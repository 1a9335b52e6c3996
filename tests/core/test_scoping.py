from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import ScopeError, scopes_disabled

from chibo.core.access import access_for_user
from chibo.core.roles import Cap
from chibo.core.scoping import UnitScope, minimal_prefixes, unit_scope
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit, Post, PostKind
from chibo.orgunits.services import post_end

pytestmark = pytest.mark.django_db


def test_an_unscoped_query_raises_instead_of_leaking(world) -> None:
    with pytest.raises(ScopeError):
        list(OrgUnit.objects.all())
    with pytest.raises(ScopeError):
        Member.objects.count()


def test_empty_scope_sees_nothing(world) -> None:
    nothing = UnitScope(())
    with unit_scope(units=nothing, members=nothing, audit=nothing):
        assert OrgUnit.objects.count() == 0
        assert Member.objects.count() == 0


def test_scope_is_the_subtree(world) -> None:
    scope = UnitScope.of([world.commune.path])
    with unit_scope(units=scope, members=scope, audit=scope):
        names = set(OrgUnit.objects.values_list("name", flat=True))
    assert names == {"Đảng bộ xã Nậm Tăm", "Chi bộ bản Nà Tăm", "Chi bộ bản Pá Khoang"}


def test_minimal_prefixes_drop_nested_paths() -> None:
    assert minimal_prefixes(["0001", "00010002", "0002", "00020001"]) == ("0001", "0002")


def test_within_refuses_anything_but_a_unit_scope(world) -> None:
    with scopes_disabled(), pytest.raises(TypeError):
        list(OrgUnit.objects.filter(path__within=["0001"]))


def test_secretary_role_comes_from_the_post_and_ends_with_it(world) -> None:
    access = access_for_user(world.secretary)
    assert access.can(Cap.MEMBER_CHANGE, world.cell)
    assert not access.can(Cap.MEMBER_VIEW, world.cell2)
    with scopes_disabled():
        post = Post.objects.get(unit=world.cell, kind=PostKind.SECRETARY)
        post_end(actor=None, post=post, end_date=dt.date(2025, 6, 30))
    after = access_for_user(world.secretary)
    assert not after.can(Cap.MEMBER_VIEW, world.cell)
    # Still a member of the cell: sees the unit, not the members.
    assert after.can(Cap.UNIT_VIEW, world.cell)


def test_access_is_computed_in_a_constant_number_of_queries(
    world, django_assert_num_queries
) -> None:
    with django_assert_num_queries(1):
        access_for_user(world.secretary)  # grants, member record and posts: one UNION ALL
    with django_assert_num_queries(1):
        access_for_user(world.commune_user)


def test_province_board_is_read_mostly(world) -> None:
    access = access_for_user(world.province_user)
    assert access.can(Cap.MEMBER_VIEW, world.other_cell)
    assert not access.can(Cap.MEMBER_CHANGE, world.other_cell)
    assert not access.can(Cap.POST_MANAGE, world.cell)


def test_grants_do_not_reach_up_or_sideways(world) -> None:
    access = access_for_user(world.commune_user)
    assert access.can(Cap.UNIT_VIEW, world.cell)
    assert not access.can(Cap.UNIT_VIEW, world.province)
    assert not access.can(Cap.UNIT_VIEW, world.other_commune)
