"""The reports API (chibo/api/reports_api.py): the indicators of a unit and of its children,
equal to ``breakdown``; the XLSX; scope (owner, member, outsider, anonymous), bad periods (400
``invalid_period``), the default period, constant query counts, the OpenAPI schema."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from chibo.accounts.services import api_token_create
from chibo.api.reports_schemas import RATES
from chibo.core.models import AuditEntry
from chibo.orgunits.models import UnitKind
from chibo.reports import exports
from chibo.reports.indicators import FIGURE_FIELDS, Period
from tests.api.test_fuzz import run_schemathesis
from tests.api.test_members_api import assert_error, bearer, call
from tests.factories import build_world, make_unit
from tests.meetings.factories import aware
from tests.reports.test_exports import Q1, TODAY, activity, book_of, fill, reference, sheet_rows

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _clock(request):
    """Every test runs at 09:00 on 10 March 2025, as in test_exports.py; not the fuzzing run,
    whose live server needs a clock that moves."""
    if request.node.get_closest_marker("fuzz"):
        yield
        return
    with time_machine.travel(aware(TODAY, 9), tick=False):
        yield


def _path(unit, suffix: str = "") -> str:
    """The path under /api/v1 (as ``call`` takes it)."""
    return f"/units/{unit.pk}/indicators{suffix}"


def _url(unit, suffix: str = "") -> str:
    return f"/api/v1{_path(unit, suffix)}"


def _figures(figures) -> dict:
    data = {name: getattr(figures, name) for name in (*FIGURE_FIELDS, "members", *RATES)}
    return data


# --- The indicators ------------------------------------------------------------------------------
def test_indicators_of_a_commune_and_its_cells(world) -> None:
    activity(world)
    response = call("get", _path(world.commune), world.commune_user, **{"from": "2025-01"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"unit", "period", "total", "children"}
    assert body["unit"] == {
        "id": world.commune.pk,
        "code": world.commune.code,
        "name": "Đảng bộ xã Nậm Tăm",
    }
    assert body["period"] == {"from": "2025-01", "to": "2025-03", "months": 3}
    found = reference(world.commune)
    assert body["total"] == _figures(found.total)
    assert body["total"]["regular_held"] == 3
    assert body["total"]["held_rate"] == 0.5
    assert body["total"]["items_done_rate"] is None  # no item due: nothing to divide by
    assert [(c["id"], c["code"], c["name"]) for c in body["children"]] == [
        (world.cell.pk, world.cell.code, "Chi bộ bản Nà Tăm"),
        (world.cell2.pk, world.cell2.code, "Chi bộ bản Pá Khoang"),
    ]
    for child, unit in zip(body["children"], (world.cell, world.cell2), strict=True):
        figures = {k: v for k, v in child.items() if k not in {"id", "code", "name"}}
        assert figures == _figures(found.children[unit.path])
    assert [c["regular_held"] for c in body["children"]] == [2, 1]


def test_every_column_comes_from_its_own_figure(world) -> None:
    cells = [make_unit(world.commune, f"Chi bộ tổ {n:02d}", UnitKind.CELL) for n in range(4)]
    fill([world.cell, world.cell2, *cells], Q1.months)
    body = call("get", _path(world.commune), world.province_user).json()
    found = reference(world.commune)
    assert body["total"] == _figures(found.total)
    assert len(body["children"]) == 6
    by_id = {c["id"]: c for c in body["children"]}
    for unit in (world.cell, world.cell2, *cells):
        for name, value in _figures(found.children[unit.path]).items():
            assert by_id[unit.pk][name] == pytest.approx(value), name


def test_a_cell_has_no_children(world) -> None:
    activity(world)
    body = call("get", _path(world.cell), world.secretary, to="2025-02").json()
    assert body["period"] == {"from": "2025-01", "to": "2025-02", "months": 2}
    assert body["children"] == []
    assert body["total"] == _figures(
        reference(world.cell, Period(D(2025, 1, 1), D(2025, 2, 1))).total
    )
    assert body["total"]["attendance_attended"] == 2


def test_default_period_is_the_year_to_date(world) -> None:
    for query in ({}, {"from": "", "to": ""}):
        body = call("get", _path(world.province), world.province_user, **query).json()
        assert body["period"] == {"from": "2025-01", "to": "2025-03", "months": 3}
    body = call("get", _path(world.province), world.province_user, **{"from": "2024-12"}).json()
    assert body["period"] == {"from": "2024-12", "to": "2025-03", "months": 4}


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2025-13"},
        {"from": "2025"},
        {"to": "03/2025"},
        {"from": "2025-03", "to": "2025-01"},
        {"from": "2020-01", "to": "2025-01"},
        {"from": "9" * 5000},
        {"from": "\x00"},
    ],
)
def test_a_bad_period_is_400_invalid_period(world, query) -> None:
    body = assert_error(
        call("get", _path(world.commune), world.commune_user, **query), 400, "invalid_period"
    )
    assert body["error"].strip()
    assert body["error"] != "invalid_period"
    response = call("get", _path(world.commune, ".xlsx"), world.commune_user, **query)
    assert_error(response, 400, "invalid_period")


# --- Scope ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["", ".xlsx"])
@pytest.mark.parametrize(
    ("role", "unit", "status"),
    [
        ("province", "province", 200),
        ("commune", "commune", 200),
        ("commune", "cell", 200),
        ("secretary", "cell", 200),
        ("secretary", "commune", 404),
        ("member", "cell", 404),
        ("outsider", "commune", 404),
        ("outsider", "cell", 404),
        ("outsider", "other_commune", 200),
        ("commune", "province", 404),
    ],
)
def test_scope(world, suffix, role, unit, status) -> None:
    response = call("get", _path(getattr(world, unit), suffix), world.users()[role])
    if status == 200:
        assert response.status_code == 200, response.content
    else:
        assert_error(response, 404, "not_found")


@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_anonymous_unknown_and_bad_ids(world, suffix) -> None:
    assert_error(call("get", _path(world.commune, suffix), None), 401, "unauthorized")
    assert_error(
        Client().get(_url(world.commune, suffix), headers={"Authorization": "Bearer nope"}),
        401,
        "unauthorized",
    )
    assert_error(
        call("get", f"/units/999999/indicators{suffix}", world.province_user), 404, "not_found"
    )
    # Out of scope with a bad period: 404 first, so the unit is not revealed.
    response = call("get", _path(world.commune, suffix), world.outsider, **{"from": "x"})
    assert_error(response, 404, "not_found")
    assert call("get", f"/units/0/indicators{suffix}", world.province_user).status_code in {
        400,
        404,
    }


# --- XLSX ----------------------------------------------------------------------------------------
def test_xlsx_is_the_dashboard_export_and_is_recorded(world) -> None:
    activity(world)
    response = call("get", _path(world.commune, ".xlsx"), world.commune_user, to="2025-02")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == exports.XLSX_TYPE
    name = f"chi-so-{world.commune.code}-2025-01-2025-02.xlsx"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    book = book_of(response.content)
    assert book.worksheets[0]["B1"].value == "Đảng bộ xã Nậm Tăm"
    assert book.worksheets[0]["B3"].value == "01/2025 – 02/2025"
    found = reference(world.commune, Period(D(2025, 1, 1), D(2025, 2, 1)))
    assert [row[0] for row in sheet_rows(book.worksheets[1]).values()] == [
        world.cell.code,
        world.cell2.code,
    ]
    assert len(found.children) == 2
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="report.exported")
    assert (entry.actor_id, entry.unit_id) == (world.commune_user.pk, world.commune.pk)
    assert entry.changes == {"format": [None, "xlsx"], "period": [None, "2025-01_2025-02"]}


def test_reading_the_indicators_is_not_an_export(world) -> None:
    call("get", _path(world.commune), world.commune_user)
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="report.exported").exists()


# --- Queries -------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_query_count_is_constant(world, suffix) -> None:
    headers = bearer(world.province_user)

    def count() -> int:
        client = Client()
        client.get(_url(world.province, suffix), headers=headers)  # the token's first use
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(world.province, suffix), headers=headers).status_code == 200
        return len(queries)

    fill([world.cell], Q1.months)
    small = count()
    communes = [make_unit(world.province, f"Đảng bộ xã {n}", UnitKind.COMMUNE) for n in range(5)]
    cells = [make_unit(c, f"Chi bộ {n}", UnitKind.CELL) for n, c in enumerate(communes * 4)]
    fill([world.cell, world.cell2, world.other_cell, *cells], Q1.months)
    assert len(call("get", _path(world.province), world.province_user).json()["children"]) == 7
    assert count() == small
    # The token, the user's access (2), the unit, the breakdown, the children's names; the
    # XLSX adds the audit entry.
    assert small == (5 if suffix == "" else 6)


# --- The schema ----------------------------------------------------------------------------------
def test_both_paths_are_in_the_schema(db) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = {p for p in schema["paths"] if p.startswith("/api/v1/units/{unit_id}/indicators")}
    assert paths == {
        "/api/v1/units/{unit_id}/indicators",
        "/api/v1/units/{unit_id}/indicators.xlsx",
    }
    for path in paths:
        operation = schema["paths"][path]["get"]
        assert operation["tags"] == ["reports"]
        assert operation["summary"]
        assert {"400", "401", "404"} <= set(operation["responses"])
        assert {p["name"] for p in operation["parameters"]} == {"unit_id", "from", "to"}
    xlsx = schema["paths"]["/api/v1/units/{unit_id}/indicators.xlsx"]["get"]
    assert exports.XLSX_TYPE in xlsx["responses"]["200"]["content"]
    components = schema["components"]["schemas"]
    assert set(components["PeriodOut"]["properties"]) == {"from", "to", "months"}
    assert set(components["FiguresOut"]["properties"]) == {*FIGURE_FIELDS, "members", *RATES}
    assert {"id", "code", "name"} <= set(components["ChildOut"]["properties"])


# --- Fuzzing -------------------------------------------------------------------------------------
@pytest.mark.fuzz
def test_reports_api_survives_schemathesis(live_server, transactional_db, tmp_path) -> None:
    """test_fuzz.py, on these paths only and with figures to find: no 5xx, every response in
    the schema."""
    world = build_world()
    fill([world.cell, world.cell2], Q1.months)
    _token, raw = api_token_create(user=world.commune_user)
    run_schemathesis(
        live_server,
        tmp_path,
        raw,
        seed=20261125,
        extra=["--include-path-regex", "^/api/v1/units/[^/]+/indicators"],
    )
