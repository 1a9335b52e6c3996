"""The unit page's reads in SQL (decision 0020) give what the scoped ORM reads gave: the same
units and posts, in the same order, the same labels, the same scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django_scopes import scopes_disabled

from chibo.core.scoping import UnitScope, unit_scope
from chibo.orgunits.models import OrgUnit, Post, PostKind, UnitKind
from chibo.orgunits.selectors import unit_breadcrumb, unit_posts

pytestmark = pytest.mark.django_db


def _orm_posts(unit: OrgUnit) -> list[Post]:
    return list(
        Post.objects.filter(unit=unit).select_related("member").order_by("-start_date", "-id")
    )


def test_posts_and_breadcrumb_match_the_orm_in_every_scope(world) -> None:
    with scopes_disabled():
        # An ended post too, so both lists are filled.
        Post.objects.create(
            unit=world.cell,
            member=world.plain_member,
            kind=PostKind.DEPUTY_SECRETARY,
            start_date=dt.date(2020, 1, 1),
            end_date=dt.date(2021, 1, 1),
        )
    scopes = {
        "province": UnitScope.of([world.province.path]),
        "commune": UnitScope.of([world.commune.path]),
        "cell": UnitScope.of([world.cell.path]),
        "elsewhere": UnitScope.of([world.other_commune.path]),
    }
    for name, scope in scopes.items():
        with unit_scope(units=scope, members=scope, audit=scope):
            found = unit_posts(unit=world.cell)
            orm = _orm_posts(world.cell)
            shown = found.current + found.past
            assert sorted(p.pk for p in shown) == sorted(p.pk for p in orm), name
            for post in shown:
                twin = next(p for p in orm if p.pk == post.pk)
                assert (post.kind, post.start_date, post.end_date, post.member_id) == (
                    twin.kind,
                    twin.start_date,
                    twin.end_date,
                    twin.member_id,
                )
                assert post.member.full_name == twin.member.full_name
            expected = list(
                OrgUnit.objects.filter(path__in=[world.province.path, world.commune.path]).order_by(
                    "depth"
                )
            )
            assert unit_breadcrumb(unit=world.cell) == expected, name
    # Not in the units scope: no post and no ancestor (the ORM agreed above).
    with unit_scope(units=scopes["elsewhere"], members=scopes["cell"], audit=scopes["cell"]):
        assert unit_posts(unit=world.cell).current == []
        assert unit_breadcrumb(unit=world.cell) == []


@pytest.mark.parametrize("language", ["vi", "en"])
def test_kind_labels_are_djangos_in_each_language(language) -> None:
    with translation.override(language):
        for kind, label in PostKind.choices:
            assert Post(kind=kind).get_kind_display() == str(label)
        for kind, label in UnitKind.choices:
            assert OrgUnit(kind=kind).get_kind_display() == str(label)
        assert Post(kind="retired-kind").get_kind_display() == "retired-kind"
