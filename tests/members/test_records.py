from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.core.models import AuditEntry
from chibo.members.models import Member, MemberStatus
from chibo.members.selectors import member_counts
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _set(member: Member, **values) -> None:
    """Put derived columns in a given state (as lifecycle would), for the list's rules."""
    with scopes_disabled():
        Member.objects.filter(pk=member.pk).update(**values)


def _count(html: str, key: str) -> int:
    found = re.search(rf'data-count="{key}">(?:<a [^>]*>)?(\d+)', html)
    assert found, key
    return int(found.group(1))


def test_counts_by_category(world) -> None:
    exempt = make_member(world.cell, "Lò Văn Miễn")
    away = make_member(world.cell, "Lò Văn Vắng")
    ended = make_member(world.cell, "Lò Văn Hết")
    probation = make_member(world.cell, "Lò Thị Dự")
    today = dt.date.today()
    _set(exempt, exempt_from=today - dt.timedelta(days=5), exempt_until=None)
    _set(away, temporary_cell=world.cell2)
    _set(ended, status=MemberStatus.DECEASED)
    _set(probation, status=MemberStatus.PROBATIONARY, exempt_until=today)
    # An exemption that ended yesterday no longer counts.
    old = make_member(world.cell, "Lò Văn Cũ")
    _set(old, exempt_from=today - dt.timedelta(days=30), exempt_until=today - dt.timedelta(1))
    with scopes_disabled():
        counts = member_counts(unit=world.cell, today=today)
    assert counts["exempt"] == 1
    assert counts["away"] == 1
    assert counts["deceased"] == 1
    assert counts["probationary"] == 1
    assert counts["official"] == 3  # secretary, plain member, the one whose exemption ended
    assert counts["total"] == 7


def test_list_page_shows_counts_and_hides_former_members_by_default(world, client_for) -> None:
    gone = make_member(world.cell, "Lò Văn Chuyển", card_number="12345678")
    _set(gone, status=MemberStatus.TRANSFERRED_OUT)
    make_member(world.cell, "Lò Văn Thẻ", card_number="87654321", birth_date=dt.date(1980, 2, 3))
    client = client_for(world.secretary)
    url = reverse("members:unit_list", args=[world.cell.pk])
    html = client.get(url).content.decode()
    assert _count(html, "official") == 3
    assert _count(html, "transferred_out") == 1
    assert "Lò Văn Chuyển" not in html
    assert "87654321" in html
    assert "1980" in html
    former = client.get(url, {"show": "former"}).content.decode()
    assert "Lò Văn Chuyển" in former
    assert "Lò Văn Thẻ" not in former
    everyone = client.get(url, {"show": "all"}).content.decode()
    assert "Lò Văn Chuyển" in everyone
    assert "Lò Văn Thẻ" in everyone


def test_list_filters_by_category(world, client_for) -> None:
    away = make_member(world.cell, "Lò Văn Vắng")
    _set(away, temporary_cell=world.cell2)
    url = reverse("members:unit_list", args=[world.cell.pk])
    html = client_for(world.secretary).get(url, {"category": "away"}).content.decode()
    assert "Lò Văn Vắng" in html
    assert "Tòng Thị Ánh" not in html


def test_list_pages_by_50_and_keeps_the_filter(world, client_for) -> None:
    for i in range(55):
        make_member(world.cell, f"Lò Văn Số {i:02d}", official=False)
    url = reverse("members:unit_list", args=[world.cell.pk])
    html = client_for(world.secretary).get(url, {"show": "all"}).content.decode()
    assert html.count('<a href="/members/') == 50
    assert "?show=all&amp;page=2" in html


def test_list_query_count_is_constant_with_filters(world, client_for) -> None:
    client = client_for(world.commune_user)
    url = reverse("members:unit_list", args=[world.commune.pk])
    client.get(url, {"show": "all"})
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"show": "all"})
    for i in range(12):
        make_member(world.cell2 if i % 2 else world.cell, f"Lò Văn Số {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"show": "all"})
    assert len(many) == len(few)


# Detail -------------------------------------------------------------------------------------


def _private_member(world) -> Member:
    with scopes_disabled():
        Member.objects.filter(pk=world.plain_member.pk).update(
            citizen_id="001090001234", phone="0987654321"
        )
    return world.plain_member


@pytest.mark.parametrize(
    ("role", "shown"),
    [("secretary", True), ("commune", True), ("member", True), ("province", False)],
)
def test_citizen_id_and_phone_only_for_keepers_and_the_person(
    world, client_for, role, shown
) -> None:
    member = _private_member(world)
    html = (
        client_for(world.users()[role])
        .get(reverse("members:detail", args=[member.pk]))
        .content.decode()
    )
    assert ("001090001234" in html) is shown
    assert ("0987654321" in html) is shown
    if not shown:
        assert "••••••••1234" in html
        assert "••••••4321" in html


def test_history_masks_private_numbers_for_readers(world, client_for) -> None:
    make_member(world.cell, "Lò Văn Số", citizen_id="001090009999")
    with scopes_disabled():
        pk = Member.objects.get(citizen_id="001090009999").pk
    html = client_for(world.province_user).get(reverse("members:detail", args=[pk])).content
    assert b"001090009999" not in html
    html = client_for(world.secretary).get(reverse("members:detail", args=[pk])).content
    assert b"001090009999" in html


def test_detail_shows_record_groups_and_party_age(world, client_for) -> None:
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)):
        html = (
            client_for(world.secretary)
            .get(reverse("members:detail", args=[world.plain_member.pk]))
            .content.decode()
        )
    for anchor in ('id="identity-h"', 'id="origin-h"', 'id="education-h"', 'id="party-h"'):
        assert anchor in html
    assert "10/03/2005" in html  # admission decision (make_member)
    assert re.search(r'id="party-age">21 ', html)


def test_each_view_of_a_record_is_audited_except_ones_own(world, client_for) -> None:
    url = reverse("members:detail", args=[world.plain_member.pk])
    client_for(world.province_user).get(url)
    client_for(world.member_user).get(url)
    client_for(world.secretary).get(url, headers={"HX-Request": "true"})
    with scopes_disabled():
        views = AuditEntry.objects.filter(action="member.viewed", member=world.plain_member)
        assert [v.actor for v in views] == [world.province_user]


def test_outsider_view_is_404_and_not_audited(world, client_for) -> None:
    url = reverse("members:detail", args=[world.plain_member.pk])
    assert client_for(world.outsider).get(url).status_code == 404
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="member.viewed").exists()


# Add and edit -------------------------------------------------------------------------------


def _record(**changes) -> dict[str, str]:
    data = {
        "full_name": "Lường Thị Mai",
        "sex": "female",
        "birth_date": "05/04/1990",
        "ethnicity": "Thái",
        "citizen_id": "012090001111",
        "phone": "0912 000 111",
        "theory_level": "elementary",
        "card_number": "11223344",
        "record_number": "123456",
        "record_province": "lc",
    }
    return {**data, **changes}


def test_secretary_adds_a_member(world, client_for) -> None:
    response = client_for(world.secretary).post(
        reverse("members:add", args=[world.cell.pk]), _record()
    )
    assert response.status_code == 302
    with scopes_disabled():
        member = Member.objects.get(card_number="11223344")
        assert member.cell == world.cell
        assert member.birth_date == dt.date(1990, 4, 5)
        assert member.phone == "0912000111"
        assert member.record_province == "LC"
        assert AuditEntry.objects.filter(action="member.created", member=member).exists()
    assert response["Location"] == member.get_absolute_url()


def test_add_shows_service_errors_on_the_fields(world, client_for) -> None:
    response = client_for(world.secretary).post(
        reverse("members:add", args=[world.cell.pk]),
        _record(card_number="123", citizen_id="1"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_card_number-err"' in html
    assert 'id="id_citizen_id-err"' in html
    with scopes_disabled():
        assert not Member.objects.filter(full_name="Lường Thị Mai").exists()


@pytest.mark.parametrize("role", ["member", "outsider", "province"])
def test_add_is_404_without_member_change(world, client_for, role) -> None:
    response = client_for(world.users()[role]).post(
        reverse("members:add", args=[world.cell.pk]), _record()
    )
    assert response.status_code == 404
    with scopes_disabled():
        assert not Member.objects.filter(full_name="Lường Thị Mai").exists()


def test_add_is_refused_on_a_commune(world, client_for) -> None:
    url = reverse("members:add", args=[world.commune.pk])
    assert client_for(world.commune_user).get(url).status_code == 404


def test_edit_saves_with_the_version(world, client_for) -> None:
    member = world.plain_member
    response = client_for(world.secretary).post(
        reverse("members:edit", args=[member.pk]),
        _record(full_name="Tòng Thị Ánh Hồng", version=member.version),
    )
    assert response.status_code == 302
    with scopes_disabled():
        member.refresh_from_db()
    assert member.full_name == "Tòng Thị Ánh Hồng"
    assert member.search_name == "tong thi anh hong"


def test_stale_edit_shows_the_saved_values_not_the_stale_form(world, client_for) -> None:
    member = world.plain_member
    old_version = member.version
    url = reverse("members:edit", args=[member.pk])
    # Someone else saves first.
    first = client_for(world.commune_user).post(
        url, _record(full_name="Tòng Thị Ánh Mới", version=old_version)
    )
    assert first.status_code == 302
    response = client_for(world.secretary).post(
        url, _record(full_name="Tòng Thị Ánh Cũ", version=old_version)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Tòng Thị Ánh Mới"' in html
    assert "Tòng Thị Ánh Cũ" not in html
    assert f'name="version" value="{old_version + 1}"' in html
    assert "msg-error" in html
    with scopes_disabled():
        member.refresh_from_db()
    assert member.full_name == "Tòng Thị Ánh Mới"


@pytest.mark.parametrize("role", ["member", "outsider", "province"])
def test_edit_is_404_without_member_change(world, client_for, role) -> None:
    member = world.plain_member
    response = client_for(world.users()[role]).post(
        reverse("members:edit", args=[member.pk]),
        _record(full_name="Bị Sửa", version=member.version),
    )
    assert response.status_code == 404
    with scopes_disabled():
        member.refresh_from_db()
    assert member.full_name == "Tòng Thị Ánh"


def test_edit_form_shows_dates_the_vietnamese_way(world, client_for) -> None:
    html = (
        client_for(world.secretary)
        .get(reverse("members:edit", args=[world.plain_member.pk]))
        .content.decode()
    )
    assert 'value="01/05/1970"' in html
