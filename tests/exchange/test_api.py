from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from chibo.api.api import api
from chibo.exchange.xlsx import XLSX_TYPE
from chibo.members.models import Member
from tests.api.test_api import assert_error_shape, bearer
from tests.exchange.helpers import simple_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


def export(unit, user=None):
    headers = bearer(user) if user else {}
    return Client().get(f"/api/v1/units/{unit.pk}/register.xlsx", headers=headers)


def post_import(unit, user, data: bytes, name="f.xlsx", **fields):
    headers = bearer(user) if user else {}
    body = {"file": SimpleUploadedFile(name, data), **fields}
    return Client().post(f"/api/v1/units/{unit.pk}/register/import", body, headers=headers)


def rows():
    return xlsx_bytes(
        simple_rows(
            "Chi bộ bản Nà Tăm",
            [
                ("Lò Văn Một", "01/02/1980", "Nam", "10/03/2005", "", "11111111"),
                ("", "01/02/1980", "Nam", "10/03/2005", "", ""),
            ],
        )
    )


def test_export_for_readers(world) -> None:
    response = export(world.cell, world.secretary)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=10, column=2).value == "Tòng Thị Ánh"


@pytest.mark.parametrize("role", ["member", "outsider"])
def test_export_out_of_scope_is_404(world, role) -> None:
    assert_error_shape(export(world.cell, world.users()[role]), 404, "not_found")


def test_export_without_token_is_401(world) -> None:
    assert_error_shape(export(world.cell), 401, "unauthorized")


def test_import_dry_run_writes_nothing_then_import(world) -> None:
    with scopes_disabled():
        before = Member.objects.count()
    response = post_import(world.cell, world.secretary, rows(), dry_run="true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dry_run"], body["committed"]) == (True, False)
    assert [r["status"] for r in body["rows"]] == ["new", "error"]
    assert body["rows"][1]["messages"][0]["field"] == "full_name"
    with scopes_disabled():
        assert Member.objects.count() == before
    body = post_import(world.cell, world.secretary, rows(), mode="all_or_nothing").json()
    assert body["committed"] is False
    body = post_import(world.cell, world.secretary, rows(), mode="valid_rows").json()
    assert body["committed"] is True
    assert body["counts"]["created"] == 1
    with scopes_disabled():
        assert Member.objects.count() == before + 1
    body = post_import(world.cell, world.secretary, rows()).json()
    assert [r["status"] for r in body["rows"]] == ["unchanged", "error"]


@pytest.mark.parametrize("role", ["member", "outsider", "province"])
def test_import_without_member_change_is_404(world, role) -> None:
    response = post_import(world.cell, world.users()[role], rows(), dry_run="true")
    assert_error_shape(response, 404, "not_found")


def test_import_without_token_is_401(world) -> None:
    assert_error_shape(post_import(world.cell, None, rows()), 401, "unauthorized")


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [(b"junk", "f.xlsx", "unreadable"), (b"a;b\n1;2\n", "f.csv", "no_header")],
)
def test_bad_file_is_400(world, data, name, code) -> None:
    assert_error_shape(post_import(world.cell, world.secretary, data, name), 400, code)


def test_bad_mode_is_400(world) -> None:
    response = post_import(world.cell, world.secretary, rows(), mode="everything")
    assert_error_shape(response, 400, "invalid")


def test_schema_declares_the_binary_response_and_errors() -> None:
    paths = api.get_openapi_schema()["paths"]
    export_op = paths["/api/v1/units/{unit_id}/register.xlsx"]["get"]["responses"]
    assert XLSX_TYPE in export_op[200]["content"]
    assert {401, 404} <= set(export_op)
    import_op = paths["/api/v1/units/{unit_id}/register/import"]["post"]
    assert {200, 400, 401, 404} <= set(import_op["responses"])
    assert "multipart/form-data" in import_op["requestBody"]["content"]
