from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_member_list_is_in_vietnamese_name_order(world, client_for) -> None:
    for name in ["Nguyễn Văn Bình", "Trần Thị An", "Đặng Văn Ánh"]:
        make_member(world.cell, name)
    html = (
        client_for(world.secretary)
        .get(reverse("members:unit_list", args=[world.cell.pk]))
        .content.decode()
    )
    positions = [
        html.index(n) for n in ["Trần Thị An", "Tòng Thị Ánh", "Đặng Văn Ánh", "Nguyễn Văn Bình"]
    ]
    assert positions == sorted(positions)


def test_member_list_query_count_is_constant(world, client_for) -> None:
    client = client_for(world.secretary)
    url = reverse("members:unit_list", args=[world.cell.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(25):
        make_member(world.cell, f"Lò Văn Số {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_me_redirects_to_the_own_record(world, client_for) -> None:
    response = client_for(world.member_user).get(reverse("me"))
    assert response["Location"] == reverse("members:detail", args=[world.plain_member.pk])


def test_me_without_a_record_explains(world, client_for) -> None:
    response = client_for(world.commune_user).get(reverse("me"))
    assert response.status_code == 200
    assert "chưa được gắn với hồ sơ đảng viên" in response.content.decode()


def test_bad_page_numbers_do_not_break_the_list(world, client_for) -> None:
    client = client_for(world.secretary)
    url = reverse("members:unit_list", args=[world.cell.pk])
    for page in ["abc", "-1", "0", "999999", "1" * 40]:
        assert client.get(url, {"page": page}).status_code == 200
