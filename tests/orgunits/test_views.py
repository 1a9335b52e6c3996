from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.core.models import AuditEntry
from chibo.orgunits.models import OrgUnit, Post, PostKind
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_unit_page_shows_posts_and_flags_concurrent_holder(world, client_for) -> None:
    page = client_for(world.secretary).get(reverse("orgunits:detail", args=[world.cell.pk]))
    html = page.content.decode()
    assert "Lò Văn Piếng" in html
    assert "Bí thư" in html
    assert "Trưởng thôn" in html
    assert "nhất thể hóa" in html


def test_commune_page_lists_concurrent_holders_below(world, client_for) -> None:
    html = (
        client_for(world.commune_user)
        .get(reverse("orgunits:detail", args=[world.commune.pk]))
        .content.decode()
    )
    assert "Chi bộ bản Nà Tăm" in html
    assert "Lò Văn Piếng" in html
    # Giàng A Dình holds one post only: not listed among concurrent holders.
    concurrent_section = html.split('id="conc-h"')[1].split("</section>")[0]
    assert "Giàng A Dình" not in concurrent_section


def test_commune_edits_a_cell_and_the_change_is_audited(world, client_for) -> None:
    client = client_for(world.commune_user)
    response = client.post(
        reverse("orgunits:edit", args=[world.cell.pk]),
        {"name": "Chi bộ bản Nà Tăm 1", "code": world.cell.code, "kind": "cell"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert OrgUnit.objects.get(pk=world.cell.pk).name == "Chi bộ bản Nà Tăm 1"
        entry = AuditEntry.objects.filter(action="orgunit.changed").get()
    assert entry.actor == world.commune_user
    assert entry.changes == {"name": ["Chi bộ bản Nà Tăm", "Chi bộ bản Nà Tăm 1"]}
    history = client.get(reverse("orgunits:history", args=[world.cell.pk])).content.decode()
    assert "Chi bộ bản Nà Tăm 1" in history


def test_outsider_post_changes_nothing(world, client_for) -> None:
    response = client_for(world.outsider).post(
        reverse("orgunits:edit", args=[world.cell.pk]),
        {"name": "Hacked", "code": "X", "kind": "cell"},
    )
    assert response.status_code == 404
    with scopes_disabled():
        assert OrgUnit.objects.get(pk=world.cell.pk).name == "Chi bộ bản Nà Tăm"
        assert not AuditEntry.objects.filter(action="orgunit.changed").exists()


def test_bad_dates_get_a_message_not_a_500(world, client_for) -> None:
    response = client_for(world.commune_user).post(
        reverse("orgunits:edit", args=[world.cell.pk]),
        {
            "name": "X",
            "code": world.cell.code,
            "kind": "cell",
            "valid_from": "2026-05-01",
            "valid_to": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert "không thể trước ngày bắt đầu" in response.content.decode()


def test_duplicate_code_is_refused_with_a_message(world, client_for) -> None:
    response = client_for(world.commune_user).post(
        reverse("orgunits:edit", args=[world.cell.pk]),
        {"name": "X", "code": world.cell2.code, "kind": "cell"},
    )
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()


def test_add_child_creates_a_unit_under_the_parent(world, client_for) -> None:
    response = client_for(world.commune_user).post(
        reverse("orgunits:add_child", args=[world.commune.pk]),
        {"name": "Chi bộ bản Mới", "code": "NEW-1", "kind": "cell"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        child = OrgUnit.objects.get(code="NEW-1")
        assert OrgUnit.objects.get_parent(child) == world.commune
        assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_assign_and_end_a_post(world, client_for) -> None:
    client = client_for(world.commune_user)
    deputy = make_member(world.cell, "Lường Văn Phó")
    response = client.post(
        reverse("orgunits:post_assign", args=[world.cell.pk]),
        {"member": deputy.pk, "kind": PostKind.DEPUTY_SECRETARY, "start_date": "01/03/2026"},
    )
    assert response.status_code == 302, response.content.decode()
    with scopes_disabled():
        post = Post.objects.get(member=deputy)
    assert post.start_date == dt.date(2026, 3, 1)
    response = client.post(reverse("orgunits:post_end", args=[post.pk]), {"end_date": "2026-02-01"})
    assert response.status_code == 200  # before the start: refused with a message
    response = client.post(reverse("orgunits:post_end", args=[post.pk]), {"end_date": "2026-06-30"})
    assert response.status_code == 302
    with scopes_disabled():
        post.refresh_from_db()
        assert post.end_date == dt.date(2026, 6, 30)
        assert AuditEntry.objects.filter(action="post.ended", member=deputy).exists()


def test_second_secretary_at_the_same_time_is_refused(world, client_for) -> None:
    other = make_member(world.cell, "Cầm Văn Hai")
    response = client_for(world.commune_user).post(
        reverse("orgunits:post_assign", args=[world.cell.pk]),
        {"member": other.pk, "kind": PostKind.SECRETARY, "start_date": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "Kết thúc nhiệm kỳ" in response.content.decode()


def test_post_holder_must_belong_to_the_unit(world, client_for) -> None:
    # The form only offers the unit's members; a forged id from elsewhere is refused.
    response = client_for(world.commune_user).post(
        reverse("orgunits:post_assign", args=[world.cell.pk]),
        {"member": world.other_member.pk, "kind": PostKind.FRONT_HEAD, "start_date": "2026-01-01"},
    )
    assert response.status_code == 200
    with scopes_disabled():
        assert not Post.objects.filter(member=world.other_member).exists()


def test_tree_lists_only_units_in_scope(world, client_for) -> None:
    html = client_for(world.outsider).get(reverse("orgunits:tree")).content.decode()
    assert "Đảng bộ xã Mường So" in html
    assert "Nậm Tăm" not in html
    assert "Đảng bộ tỉnh Thử" not in html


def test_breadcrumb_hides_ancestors_out_of_scope(world, client_for) -> None:
    html = (
        client_for(world.secretary)
        .get(reverse("orgunits:detail", args=[world.cell.pk]))
        .content.decode()
    )
    assert "Đảng bộ xã Nậm Tăm" not in html


def _cells(n: int, parent: OrgUnit) -> None:
    from tests.factories import make_unit

    for i in range(n):
        cell = make_unit(parent, f"Chi bộ bản Số {i}", "cell")
        make_member(cell, f"Lò Văn Số {i}")


def test_unit_page_query_count_does_not_grow_with_children(
    world, client_for, django_assert_max_num_queries
) -> None:
    client = client_for(world.commune_user)
    url = reverse("orgunits:detail", args=[world.commune.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _cells(15, world.commune)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    assert len(few) <= 14


def test_tree_fragment_query_count_is_constant(world, client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.province_user)
    url = reverse("orgunits:children", args=[world.commune.pk])
    client.get(url, headers={"HX-Request": "true"})
    with CaptureQueriesContext(connection) as few:
        client.get(url, headers={"HX-Request": "true"})
    _cells(10, world.commune)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Chi bộ bản Số 9" in html
    assert len(many) == len(few)
