from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.members.models import Member
from tests.factories import make_member

pytestmark = pytest.mark.django_db
URL = "/members/search/"


def _names(client, **params) -> str:
    response = client.get(reverse("members:search"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def people(world):
    make_member(world.cell, "Nguyễn Văn A", card_number="12345678")
    make_member(world.cell, "Nguyễn Văn An", record_number="654321", record_province="LC")
    make_member(world.cell2, "Đặng Thị Ánh", ethnicity="Thái", theory_level="intermediate")
    make_member(
        world.cell2,
        "Trần Văn Dũng",
        birth_date=dt.date(1998, 1, 1),
        admitted=dt.date.today() - dt.timedelta(days=7 * 365),
    )
    make_member(world.other_cell, "Nguyễn Văn Ngoài")


def test_url(world) -> None:
    assert reverse("members:search") == URL


@pytest.mark.parametrize(
    ("q", "found", "not_found"),
    [
        ("nguyen van a", ["Nguyễn Văn A", "Nguyễn Văn An"], ["Đặng Thị Ánh"]),
        ("NGUYỄN VĂN AN", ["Nguyễn Văn An"], ["Nguyễn Văn A<"]),
        ("dang", ["Đặng Thị Ánh"], ["Nguyễn Văn A"]),
        ("anh", ["Đặng Thị Ánh", "Tòng Thị Ánh"], ["Nguyễn Văn An"]),
        ("van an", ["Nguyễn Văn An"], ["Đặng Thị Ánh"]),
        ("nguyen an", ["Nguyễn Văn An"], ["Trần Văn Dũng"]),
        ("dung", ["Trần Văn Dũng"], ["Đặng Thị Ánh"]),
        ("1234", ["Nguyễn Văn A<"], ["Nguyễn Văn An"]),
        ("654 321", ["Nguyễn Văn An"], ["Nguyễn Văn A<"]),
    ],
)
def test_name_and_number_search(world, client_for, people, q, found, not_found) -> None:
    html = _names(client_for(world.commune_user), q=q)
    for name in found:
        assert name in html, name
    for name in not_found:
        assert name not in html, name


def test_out_of_scope_members_never_appear(world, client_for, people) -> None:
    assert "Nguyễn Văn Ngoài" not in _names(client_for(world.commune_user), q="nguyen")
    assert "Nguyễn Văn Ngoài" in _names(client_for(world.outsider), q="nguyen")
    assert "Nguyễn Văn A<" not in _names(client_for(world.outsider), q="nguyen")
    # A secretary sees the own cell only.
    html = _names(client_for(world.secretary), q="nguyen")
    assert "Nguyễn Văn A<" in html
    assert "Đặng" not in _names(client_for(world.secretary), q="dang")


def test_plain_member_has_no_search(world, client_for) -> None:
    assert client_for(world.member_user).get(URL, {"q": "a"}).status_code == 404


def test_filters(world, client_for, people) -> None:
    client = client_for(world.commune_user)
    html = _names(client, unit=world.cell2.pk)
    assert "Đặng Thị Ánh" in html
    assert "Nguyễn Văn A" not in html
    html = _names(client, ethnicity="thái")
    assert "Đặng Thị Ánh" in html
    assert "Trần Văn Dũng" not in html
    html = _names(client, age_band="under30")
    assert "Trần Văn Dũng" in html
    assert "Đặng Thị Ánh" not in html
    html = _names(client, theory_level="intermediate")
    assert "Đặng Thị Ánh" in html
    assert "Trần Văn Dũng" not in html
    html = _names(client, party_age_band="5-10")
    assert "Trần Văn Dũng" in html
    assert "Đặng Thị Ánh" not in html
    html = _names(client, party_age_band="10-30")  # admitted 2005 (make_member)
    assert "Đặng Thị Ánh" in html
    assert "Trần Văn Dũng" not in html
    assert "Trần Văn Dũng" not in _names(client, party_age_band="under5")
    html = _names(client, category="official", q="tran")
    assert "Trần Văn Dũng" in html


def test_a_unit_out_of_scope_is_ignored_not_leaked(world, client_for, people) -> None:
    html = _names(client_for(world.commune_user), unit=world.other_cell.pk, q="nguyen")
    assert "Nguyễn Văn Ngoài" not in html


def test_a_deeper_unit_in_scope_can_be_chosen(world, client_for, people) -> None:
    html = _names(client_for(world.province_user), unit=world.cell2.pk)
    assert "Đặng Thị Ánh" in html
    assert "Nguyễn Văn A<" not in html


def test_results_are_in_vietnamese_name_order(world, client_for, people) -> None:
    html = _names(client_for(world.commune_user), q="nguyen")
    assert html.index("Nguyễn Văn A<") < html.index("Nguyễn Văn An")
    html = _names(client_for(world.commune_user), q="a")
    assert html.index("Nguyễn Văn An") < html.index("Đặng Thị Ánh")


def test_bad_values_do_not_break_the_page(world, client_for) -> None:
    client = client_for(world.commune_user)
    for params in (
        {"unit": "abc"},
        {"unit": "9" * 30},
        {"age_band": "x"},
        {"q": "a" * 500},
        {"q": "%_\\"},
        {"page": "-1", "q": "a"},
    ):
        assert client.get(URL, params).status_code == 200


def test_htmx_request_gets_the_results_fragment(world, client_for, people) -> None:
    response = client_for(world.commune_user).get(
        URL, {"q": "dang"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    html = response.content.decode()
    assert "Đặng Thị Ánh" in html
    assert "<html" not in html


def test_search_query_count_is_constant(world, client_for) -> None:
    client = client_for(world.province_user)
    client.get(URL, {"q": "lo"})
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"q": "lo"})
    for i in range(12):
        make_member(world.cell2 if i % 2 else world.cell, f"Lò Văn Số {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"q": "lo"})
    assert len(many) == len(few)
    with scopes_disabled():
        assert Member.objects.filter(search_name__startswith="lo").count() > 12
