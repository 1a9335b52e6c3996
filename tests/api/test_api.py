from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django_scopes import scopes_disabled

from chibo.accounts.models import ApiToken
from chibo.accounts.services import api_token_create
from chibo.core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _token, raw = api_token_create(user=user)
    return {"Authorization": f"Bearer {raw}"}


def api_get(path: str, user=None, **params):
    headers = bearer(user) if user is not None else {}
    return Client().get(f"/api/v1{path}", params, headers=headers)


def assert_error_shape(response, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error", "code", "fields"}
    assert body["code"] == code
    assert body["error"]


def test_token_by_username_and_by_phone(world) -> None:
    client = Client()
    for login in ("secretary", "0912 345 678", "+84912345678"):
        response = client.post(
            "/api/v1/auth/token",
            {"username": login, "password": PASSWORD, "name": "phone"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        raw = response.json()["token"]
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
        assert me.json()["username"] == "secretary"


def test_token_stores_only_a_hash(world) -> None:
    token, raw = api_token_create(user=world.secretary)
    assert raw not in token.key_hash
    assert ApiToken.objects.filter(key_hash__contains=raw[4:]).count() == 0


def test_wrong_password_is_401_with_error_shape(world) -> None:
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "secretary", "password": "wrong"},
        content_type="application/json",
    )
    assert_error_shape(response, 401, "invalid_credentials")


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "", "password": "x"}, {"username": "a\x00b", "password": "x"}, "not json"],
)
def test_bad_token_requests_are_400(world, body) -> None:
    response = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert_error_shape(response, 400, "invalid")


def test_no_token_and_bad_token_are_401(world) -> None:
    assert_error_shape(api_get("/me"), 401, "unauthorized")
    response = Client().get("/api/v1/me", headers={"Authorization": "Bearer chb_nope"})
    assert_error_shape(response, 401, "unauthorized")


def test_browser_session_does_not_open_the_api(world, client_for) -> None:
    client = client_for(world.secretary)
    assert client.get("/api/v1/me").status_code == 401


def test_revoked_token_stops_working(world) -> None:
    headers = bearer(world.secretary)
    client = Client()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="apitoken.revoked").count() == 1


def test_expired_token_stops_working(world, settings) -> None:
    headers = bearer(world.secretary)
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=settings.API_TOKEN_TTL_DAYS + 1)
    with time_machine.travel(later):
        assert Client().get("/api/v1/me", headers=headers).status_code == 401


def test_me_lists_roles_from_grants_posts_and_membership(world) -> None:
    body = api_get("/me", world.secretary).json()
    roles = {(r["role"], r["source"]) for r in body["roles"]}
    assert ("member", "membership") in roles
    assert ("cell_secretary", "post") in roles
    assert [u["id"] for u in body["units"]] == [world.cell.pk]
    assert body["member_id"] == world.secretary_member.pk


def test_units_default_to_roots_in_scope(world) -> None:
    body = api_get("/units", world.outsider).json()
    assert [u["id"] for u in body["results"]] == [world.other_commune.pk]
    # The province above is out of scope: its id is not revealed as parent.
    assert body["results"][0]["parent_id"] is None


def test_units_children_search_and_kind(world) -> None:
    body = api_get("/units", world.province_user, parent=world.province.pk).json()
    assert {u["name"] for u in body["results"]} == {"Đảng bộ xã Nậm Tăm", "Đảng bộ xã Mường So"}
    assert all(u["parent_id"] == world.province.pk for u in body["results"])
    found = api_get("/units", world.province_user, q="tam").json()
    assert {u["name"] for u in found["results"]} == {"Đảng bộ xã Nậm Tăm", "Chi bộ bản Nà Tăm"}
    cells = api_get("/units", world.province_user, q="TĂM", kind="cell").json()
    assert [u["name"] for u in cells["results"]] == ["Chi bộ bản Nà Tăm"]


def test_search_stays_in_scope(world) -> None:
    body = api_get("/units", world.outsider, q="chi bo").json()
    assert [u["name"] for u in body["results"]] == ["Chi bộ bản Hua Bum"]


@pytest.mark.parametrize(
    ("role", "status"),
    [("province", 200), ("commune", 200), ("secretary", 200), ("member", 200), ("outsider", 404)],
)
def test_unit_detail_scope(world, role, status) -> None:
    response = api_get(f"/units/{world.cell.pk}", world.users()[role])
    assert response.status_code == status
    if status == 404:
        assert_error_shape(response, 404, "not_found")
    else:
        body = response.json()
        assert body["name"] == "Chi bộ bản Nà Tăm"
        posts = {(p["kind"], p["member_name"], p["concurrent"]) for p in body["posts"]}
        assert ("secretary", "Lò Văn Piếng", True) in posts
        assert ("village_head", "Lò Văn Piếng", True) in posts


@pytest.mark.parametrize("role", ["secretary", "member", "outsider"])
def test_children_of_an_out_of_scope_parent_are_404(world, role) -> None:
    response = api_get("/units", world.users()[role], parent=world.commune.pk)
    assert_error_shape(response, 404, "not_found")


def test_missing_unit_is_404_and_bad_ids_are_400(world) -> None:
    assert_error_shape(api_get("/units/999999", world.province_user), 404, "not_found")
    assert_error_shape(api_get("/units/abc", world.province_user), 400, "invalid")
    assert_error_shape(api_get(f"/units/{2**70}", world.province_user), 400, "invalid")
    assert_error_shape(api_get("/units", world.province_user, page=0), 400, "invalid")


def test_unknown_api_path_is_json_404(world) -> None:
    response = api_get("/nothing-here", world.province_user)
    assert_error_shape(response, 404, "not_found")


def test_openapi_schema_is_served_and_declares_errors(db) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Chibo API"
    responses = schema["paths"]["/api/v1/units/{unit_id}"]["get"]["responses"]
    assert {"200", "400", "401", "404"} <= set(responses)


def test_unit_list_query_count_does_not_grow_with_rows(world) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_unit

    headers = bearer(world.province_user)
    client = Client()
    url = f"/api/v1/units?parent={world.commune.pk}"
    client.get(url, headers=headers)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, headers=headers).status_code == 200
    for i in range(20):
        make_unit(world.commune, f"Chi bộ bản Thêm {i}", "cell")
    with CaptureQueriesContext(connection) as many:
        body = client.get(url, headers=headers).json()
    assert body["count"] == 22
    assert len(many) == len(few)
