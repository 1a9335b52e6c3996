from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django_scopes import ScopeError, scopes_disabled

from chibo.core.access import access_for_user
from chibo.core.roles import Cap
from chibo.core.scoping import UnitScope, in_scope, minimal_prefixes, unit_scope
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit, Post, PostKind
from chibo.orgunits.selectors import unit_get
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


def test_in_scope_answers_as_a_scoped_query_would(world) -> None:
    """The test of a row read in SQL (chibo.core.rawsql), against the scoped manager's."""
    with pytest.raises(ScopeError):
        in_scope("units", world.cell.path)
    with scopes_disabled():
        assert in_scope("units", world.other_cell.path)
    scope = UnitScope.of([world.commune.path])
    nothing = UnitScope(())
    with unit_scope(units=scope, members=nothing, audit=nothing):
        for unit in (world.commune, world.cell, world.other_cell, world.province):
            orm = OrgUnit.objects.filter(pk=unit.pk).exists()
            assert in_scope("units", unit.path) is orm
        assert in_scope("members", world.cell.path) is False


def test_unit_get_keeps_the_units_scope_and_refuses_huge_keys(world) -> None:
    """unit_get reads the unit in SQL (decision 0020): the units scope still applies, even to
    a user whose grants would allow the unit; a key past the integer range is a 404."""
    access = access_for_user(world.province_user)
    nothing = UnitScope(())
    everything = UnitScope.of([world.province.path])
    with unit_scope(units=everything, members=everything, audit=everything):
        assert unit_get(access=access, pk=world.cell.pk) == world.cell
        for bad in (2**63, 10**30, -(2**64), "1e3", None):
            with pytest.raises(Http404):
                unit_get(access=access, pk=bad)
    with unit_scope(units=nothing, members=everything, audit=everything), pytest.raises(Http404):
        unit_get(access=access, pk=world.cell.pk, capability=Cap.MEMBER_VIEW)
