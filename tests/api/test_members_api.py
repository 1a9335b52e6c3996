from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from chibo.accounts.services import api_token_create
from chibo.core.models import AuditEntry
from chibo.members.models import Member
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _token, raw = api_token_create(user=user)
    return {"Authorization": f"Bearer {raw}"}


def call(method: str, path: str, user, body=None, **params):
    client = Client()
    headers = bearer(user) if user is not None else {}
    if method == "get":
        return client.get(f"/api/v1{path}", params, headers=headers)
    return getattr(client, method)(
        f"/api/v1{path}", body, content_type="application/json", headers=headers
    )


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "code", "fields"}
    assert body["code"] == code
    return body


def _private(world) -> Member:
    with scopes_disabled():
        Member.objects.filter(pk=world.plain_member.pk).update(
            citizen_id="001090001234", phone="0987654321"
        )
    return world.plain_member


def test_list_in_scope_with_search_and_unit(world) -> None:
    make_member(world.cell2, "Đặng Thị Ánh")
    body = call("get", "/members", world.commune_user, q="dang").json()
    assert [r["full_name"] for r in body["results"]] == ["Đặng Thị Ánh"]
    body = call("get", "/members", world.commune_user, unit=world.cell.pk).json()
    assert {r["full_name"] for r in body["results"]} == {"Lò Văn Piếng", "Tòng Thị Ánh"}
    assert body["count"] == 2
    assert body["pages"] == 1
    assert body["results"][0]["category"] == "official"
    body = call("get", "/members", world.outsider).json()
    assert [r["full_name"] for r in body["results"]] == ["Mùa A Chư"]


def test_list_status_filter(world) -> None:
    body = call("get", "/members", world.commune_user, status="probationary").json()
    assert body["count"] == 0
    assert_error(call("get", "/members", world.commune_user, status="nope"), 400, "invalid")


@pytest.mark.parametrize("role", ["outsider", "member", "secretary"])
def test_list_of_a_unit_out_of_scope_is_404(world, role) -> None:
    response = call("get", "/members", world.users()[role], unit=world.cell2.pk)
    assert_error(response, 404, "not_found")


def test_list_bad_params_are_400(world) -> None:
    for params in ({"unit": 2**64}, {"unit": 0}, {"q": "a\x00"}, {"page": 0}, {"q": "x" * 101}):
        assert_error(call("get", "/members", world.commune_user, **params), 400, "invalid")


def test_list_needs_a_token(world) -> None:
    assert_error(call("get", "/members", None), 401, "unauthorized")


def test_list_query_count_is_constant(world) -> None:
    headers = bearer(world.province_user)
    client = Client()
    client.get("/api/v1/members", headers=headers)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/members", headers=headers)
    for i in range(8):
        make_member(world.cell2, f"Lò Văn Số {i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/members", headers=headers)
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("role", "status", "private"),
    [
        ("secretary", 200, True),
        ("commune", 200, True),
        ("member", 200, True),  # their own record
        ("province", 200, False),
        ("outsider", 404, None),
    ],
)
def test_detail_scope_and_masking(world, role, status, private) -> None:
    member = _private(world)
    response = call("get", f"/members/{member.pk}", world.users()[role])
    assert response.status_code == status
    if status == 404:
        assert_error(response, 404, "not_found")
        return
    body = response.json()
    assert body["private_shown"] is private
    assert (body["citizen_id"] == "001090001234") is private
    assert (body["phone"] == "0987654321") is private
    if not private:
        assert body["citizen_id"].endswith("1234")
        assert body["citizen_id"].startswith("••")
    assert [e["kind"] for e in body["events"]] == ["admission", "ceremony", "recognition"]
    assert body["party_age"] is not None
    assert body["version"] == member.version


def test_detail_records_a_view_except_for_oneself(world) -> None:
    call("get", f"/members/{world.plain_member.pk}", world.province_user)
    call("get", f"/members/{world.plain_member.pk}", world.member_user)
    with scopes_disabled():
        views = AuditEntry.objects.filter(action="member.viewed", member=world.plain_member)
        assert [v.actor for v in views] == [world.province_user]


def test_detail_bad_ids(world) -> None:
    assert_error(call("get", "/members/999999", world.province_user), 404, "not_found")
    assert_error(call("get", f"/members/{2**64}", world.province_user), 400, "invalid")


def _new(world, **changes) -> dict:
    return {"unit": world.cell.pk, "full_name": "Lường Thị Mai", "sex": "female", **changes}


def test_create(world) -> None:
    body = _new(world, birth_date="1990-04-05", card_number="1122 3344", phone="0912000111")
    response = call("post", "/members", world.secretary, body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["card_number"] == "11223344"
    assert created["cell_id"] == world.cell.pk
    assert created["phone"] == "0912000111"
    with scopes_disabled():
        assert Member.objects.filter(pk=created["id"], full_name="Lường Thị Mai").exists()


def test_create_field_errors_are_400_with_fields(world) -> None:
    response = call("post", "/members", world.secretary, _new(world, card_number="12"))
    body = assert_error(response, 400, "invalid")
    assert "card_number" in body["fields"]
    response = call("post", "/members", world.secretary, _new(world, sex="x"))
    assert_error(response, 400, "invalid")
    response = call("post", "/members", world.secretary, _new(world, full_name="a\x00"))
    assert_error(response, 400, "invalid")


@pytest.mark.parametrize("role", ["member", "outsider", "province"])
def test_create_without_member_change_is_404(world, role) -> None:
    response = call("post", "/members", world.users()[role], _new(world))
    assert_error(response, 404, "not_found")
    with scopes_disabled():
        assert not Member.objects.filter(full_name="Lường Thị Mai").exists()


def test_patch_changes_only_what_is_sent(world) -> None:
    member = world.plain_member
    response = call(
        "patch",
        f"/members/{member.pk}",
        world.secretary,
        {"version": member.version, "ethnicity": "Thái", "birth_date": None},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ethnicity"] == "Thái"
    assert body["birth_date"] is None
    assert body["full_name"] == "Tòng Thị Ánh"
    assert body["version"] == member.version + 1


def test_patch_with_an_old_version_is_409_stale(world) -> None:
    member = world.plain_member
    path = f"/members/{member.pk}"
    ok = call("patch", path, world.secretary, {"version": member.version, "religion": "Không"})
    assert ok.status_code == 200
    stale = call("patch", path, world.commune_user, {"version": member.version, "religion": "X"})
    assert_error(stale, 409, "stale")
    with scopes_disabled():
        member.refresh_from_db()
    assert member.religion == "Không"


def test_patch_field_errors_are_400(world) -> None:
    member = world.plain_member
    response = call(
        "patch", f"/members/{member.pk}", world.secretary, {"version": 1, "citizen_id": "12"}
    )
    body = assert_error(response, 400, "invalid")
    assert "citizen_id" in body["fields"]
    response = call("patch", f"/members/{member.pk}", world.secretary, {"ethnicity": "x"})
    assert_error(response, 400, "invalid")  # the version is required


@pytest.mark.parametrize("role", ["member", "outsider", "province"])
def test_patch_without_member_change_is_404(world, role) -> None:
    member = world.plain_member
    response = call(
        "patch",
        f"/members/{member.pk}",
        world.users()[role],
        {"version": member.version, "full_name": "Bị Sửa"},
    )
    assert_error(response, 404, "not_found")
    with scopes_disabled():
        member.refresh_from_db()
    assert member.full_name == "Tòng Thị Ánh"


def test_schema_declares_the_member_endpoints_and_409(db) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/members"])
    one = paths["/api/v1/members/{member_id}"]
    assert "409" in one["patch"]["responses"]
    for operation in (one["get"], one["patch"], paths["/api/v1/members"]["post"]):
        assert {"400", "401", "404"} <= set(operation["responses"])
