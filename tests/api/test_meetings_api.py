"""The meetings API: scope on every endpoint (owner, member, outsider), the roll saved
idempotently, locked meetings refusing changes, stale edits (409), bad input (400, never 500)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled
from docx import Document

from chibo.core.models import AuditEntry
from chibo.meetings import services
from chibo.meetings.docx import DOCX_TYPE
from chibo.meetings.models import Attendance, Meeting, MeetingKind
from tests.api.test_members_api import assert_error, bearer, call
from tests.meetings.factories import P, hold, meeting_on, roll

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def meeting(world) -> Meeting:
    """A meeting of cell A1, held on 8 March 2025 (chair and minute-taker recorded)."""
    planned = meeting_on(world.cell, D(2025, 3, 8))
    return hold(planned, chair=world.secretary_member, minute_taker=world.plain_member)


@pytest.fixture
def others(world) -> list[Meeting]:
    return [
        meeting_on(world.cell2, D(2025, 3, 10)),
        meeting_on(world.other_cell, D(2025, 3, 12)),
        meeting_on(world.cell, D(2025, 4, 9), kind=MeetingKind.THEMATIC, topic="Chuyên đề quý II"),
    ]


def _roll_body(world, **categories: str) -> dict:
    people = {"secretary": world.secretary_member, "member": world.plain_member}
    return {
        "rows": [
            {"member_id": people[k].pk, "category": c, "reason": "Ốm" if "excused" in c else ""}
            for k, c in categories.items()
        ]
    }


def _lockable(world, meeting: Meeting) -> Meeting:
    roll(meeting, {world.secretary_member: P, world.plain_member: P})
    with scopes_disabled():
        services.resolution_save(
            actor=None, meeting=meeting, data=services.ResolutionData(text="Nhất trí", votes_for=2)
        )
        return Meeting.objects.get(pk=meeting.pk)


# --- List and create ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "cells"),
    [
        ("secretary", {"Chi bộ bản Nà Tăm"}),
        ("member", {"Chi bộ bản Nà Tăm"}),
        ("commune", {"Chi bộ bản Nà Tăm", "Chi bộ bản Pá Khoang"}),
        ("province", {"Chi bộ bản Nà Tăm", "Chi bộ bản Pá Khoang", "Chi bộ bản Hua Bum"}),
        ("outsider", {"Chi bộ bản Hua Bum"}),
    ],
)
def test_list_is_scoped(world, meeting, others, role, cells) -> None:
    body = call("get", "/meetings", world.users()[role]).json()
    assert {r["cell_name"] for r in body["results"]} == cells


def test_list_filters(world, meeting, others) -> None:
    user = world.commune_user
    body = call("get", "/meetings", user, unit=world.cell.pk).json()
    assert [r["planned_date"] for r in body["results"]] == ["2025-03-08", "2025-04-09"]
    assert body["count"] == 2
    assert body["pages"] == 1
    body = call("get", "/meetings", user, month="2025-04").json()
    assert [r["topic"] for r in body["results"]] == ["Chuyên đề quý II"]
    body = call("get", "/meetings", user, kind="thematic").json()
    assert body["count"] == 1
    body = call("get", "/meetings", user, status="held").json()
    assert [r["id"] for r in body["results"]] == [meeting.pk]
    body = call("get", "/meetings", user, page=99).json()
    assert body["page"] == 1  # past the end: the last page


def test_list_bad_params_are_400(world) -> None:
    for params in (
        {"month": "2025-13"},
        {"month": "0000-01"},
        {"month": "2025-1"},
        {"kind": "party"},
        {"status": "nope"},
        {"unit": 0},
        {"unit": 2**64},
        {"page": 0},
    ):
        assert_error(call("get", "/meetings", world.commune_user, **params), 400, "invalid")


@pytest.mark.parametrize("role", ["outsider", "member", "secretary"])
def test_list_of_a_unit_out_of_scope_is_404(world, role) -> None:
    response = call("get", "/meetings", world.users()[role], unit=world.cell2.pk)
    assert_error(response, 404, "not_found")


def test_list_needs_a_token(world) -> None:
    assert_error(call("get", "/meetings", None), 401, "unauthorized")


def test_list_query_count_is_constant(world, meeting) -> None:
    headers = bearer(world.province_user)
    client = Client()
    client.get("/api/v1/meetings", headers=headers)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/meetings", headers=headers)
    for day in range(1, 9):
        meeting_on(world.cell2, D(2025, 5, day))
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/meetings", headers=headers)
    assert len(many) == len(few)


def _new(world, **changes) -> dict:
    return {
        "unit": world.cell.pk,
        "kind": "thematic",
        "planned_date": "2025-06-10",
        "planned_time": "19:30:00",
        "topic": "Nghị quyết về chuyển đổi số",
        "presenter": "Lò Văn Piếng",
        **changes,
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 201), ("commune", 201), ("member", 404), ("outsider", 404), ("province", 404)],
)
def test_create_scope(world, role, status) -> None:
    response = call("post", "/meetings", world.users()[role], _new(world))
    assert response.status_code == status, response.content
    if status == 201:
        body = response.json()
        assert (body["kind"], body["status"], body["month"]) == (
            "thematic",
            "planned",
            "2025-06-01",
        )
        assert body["roll"][0]["full_name"] == "Tòng Thị Ánh"  # by given name: Ánh, Piếng
        assert body["counts"]["on_roll"] == 2
    else:
        assert_error(response, 404, "not_found")


def test_create_refusals(world) -> None:
    user = world.secretary
    assert_error(call("post", "/meetings", user, _new(world, kind="regular")), 400, "invalid")
    assert_error(call("post", "/meetings", user, _new(world, topic="")), 400, "topic_required")
    for bad in (
        {"planned_date": "9999-12-31"},
        {"planned_date": "2025-02-30"},
        {"planned_date": 0},  # not read as a Unix time
        {"planned_date": "1741564800"},
        {"planned_time": "19:30:00+05:00"},
        {"place": "x" * 201},
        {"topic": "a\x00b"},
        {"unit": 2**64},
    ):
        assert_error(call("post", "/meetings", user, _new(world, **bad)), 400, "invalid")
    response = call("post", "/meetings", world.commune_user, _new(world, unit=world.commune.pk))
    assert_error(response, 400, "not_a_cell")


# --- Detail and PATCH --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 200), ("member", 200), ("commune", 200), ("province", 200), ("outsider", 404)],
)
def test_detail_scope(world, meeting, role, status) -> None:
    response = call("get", f"/meetings/{meeting.pk}", world.users()[role])
    assert response.status_code == status
    if status == 404:
        assert_error(response, 404, "not_found")
        return
    body = response.json()
    assert body["status"] == "held"
    assert body["chair_id"] == world.secretary_member.pk
    assert body["counts"]["not_recorded"] == 2
    assert {r["full_name"] for r in body["roll"]} == {"Lò Văn Piếng", "Tòng Thị Ánh"}


def test_detail_bad_ids(world) -> None:
    assert_error(call("get", "/meetings/999999", world.province_user), 404, "not_found")
    assert_error(call("get", f"/meetings/{2**64}", world.province_user), 400, "invalid")
    assert_error(call("get", "/meetings/abc", world.province_user), 400, "invalid")


def _patch(user, meeting: Meeting, **changes):
    body = {"version": changes.pop("version", meeting.version), **changes}
    return call("patch", f"/meetings/{meeting.pk}", user, body)


@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 200), ("commune", 200), ("member", 404), ("province", 404), ("outsider", 404)],
)
def test_patch_scope(world, meeting, role, status) -> None:
    response = _patch(world.users()[role], meeting, place="Nhà văn hóa")
    assert response.status_code == status, response.content
    if status == 200:
        body = response.json()
        assert body["place"] == "Nhà văn hóa"
        assert body["version"] == meeting.version + 1
    else:
        assert_error(response, 404, "not_found")


def test_patch_changes_only_what_is_sent(world, meeting) -> None:
    body = _patch(
        world.secretary,
        meeting,
        guests="Đồng chí Lò Văn Xã",
        minute_taker=world.secretary_member.pk,
        held_end="2025-03-08T21:30:00",  # no offset: local time
    ).json()
    assert body["guests"] == "Đồng chí Lò Văn Xã"
    assert body["minute_taker_id"] == world.secretary_member.pk
    assert body["chair_id"] == world.secretary_member.pk  # unchanged
    assert body["held_end"].startswith("2025-03-08T14:30:00")  # stored in UTC
    body = _patch(world.secretary, Meeting(pk=meeting.pk, version=body["version"]), guests=None)
    assert body.json()["guests"] == ""


def test_patch_stale_version_is_409(world, meeting) -> None:
    assert _patch(world.secretary, meeting, place="A").status_code == 200
    response = _patch(world.secretary, meeting, place="B")  # the version read before
    assert_error(response, 409, "stale")
    with scopes_disabled():
        assert Meeting.objects.get(pk=meeting.pk).place == "A"


def test_patch_refusals(world, meeting) -> None:
    user = world.secretary
    response = _patch(user, meeting, chair=world.other_member.pk)
    body = assert_error(response, 400, "not_eligible")
    assert "chair" in body["fields"]
    assert_error(_patch(user, meeting, held_start="2999-01-01T10:00:00"), 400, "invalid")
    response = _patch(user, meeting, held_start="2099-01-01T10:00:00+07:00")
    assert_error(response, 400, "future")
    for bad in (
        {"planned_date": None},
        {"includes_thematic": None},
        {"version": 0},
        {"held_end": "0001-01-01T00:00:00+14:00"},
        {"chair": 2**64},
        {"planned_time": "10:00:00Z"},
    ):
        assert_error(_patch(user, meeting, **bad), 400, "invalid")
    assert_error(call("patch", f"/meetings/{meeting.pk}", user, {}), 400, "invalid")


# --- Attendance --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 200), ("commune", 200), ("member", 404), ("province", 404), ("outsider", 404)],
)
def test_attendance_scope(world, meeting, role, status) -> None:
    body = _roll_body(world, secretary="present", member="late")
    response = call("put", f"/meetings/{meeting.pk}/attendance", world.users()[role], body)
    assert response.status_code == status, response.content
    if status == 404:
        assert_error(response, 404, "not_found")


def test_attendance_put_is_idempotent(world, meeting) -> None:
    path = f"/meetings/{meeting.pk}/attendance"
    body = _roll_body(world, secretary="present", member="absent_excused")
    first = call("put", path, world.secretary, body)
    assert first.status_code == 200, first.content
    counts = first.json()["counts"]
    assert (counts["present"], counts["absent_excused"], counts["not_recorded"]) == (1, 1, 0)
    with scopes_disabled():
        rows = sorted(
            Attendance.objects.filter(meeting=meeting).values_list("member_id", "category")
        )
        audits = AuditEntry.objects.filter(action="meeting.attendance_saved").count()
    second = call("put", path, world.secretary, body)
    assert second.json() == first.json()
    with scopes_disabled():
        again = sorted(
            Attendance.objects.filter(meeting=meeting).values_list("member_id", "category")
        )
        assert again == rows
        assert AuditEntry.objects.filter(action="meeting.attendance_saved").count() == audits
    # The roll sent is the whole roll: a member left out goes back to not recorded.
    third = call("put", path, world.secretary, _roll_body(world, secretary="present")).json()
    assert third["counts"]["not_recorded"] == 1


def test_attendance_refusals(world, meeting, others) -> None:
    path = f"/meetings/{meeting.pk}/attendance"
    user = world.secretary
    excused_without_reason = {
        "rows": [{"member_id": world.plain_member.pk, "category": "absent_excused"}]
    }
    assert_error(call("put", path, user, excused_without_reason), 400, "reason_required")
    stranger = {"rows": [{"member_id": world.other_member.pk, "category": "present"}]}
    assert_error(call("put", path, user, stranger), 400, "not_eligible")
    twice = {"rows": [{"member_id": world.plain_member.pk, "category": "present"}] * 2}
    assert_error(call("put", path, user, twice), 400, "duplicate")
    exempt = {"rows": [{"member_id": world.plain_member.pk, "category": "exempt"}]}
    assert_error(call("put", path, user, exempt), 400, "category_not_allowed")
    for bad in (
        {"rows": [{"member_id": world.plain_member.pk, "category": ""}]},
        {"rows": [{"member_id": 0, "category": "present"}]},
        {"rows": "all"},
        {},
    ):
        assert_error(call("put", path, user, bad), 400, "invalid")
    with scopes_disabled():
        future = meeting_on(world.cell, D(2099, 1, 5))
    body = _roll_body(world, secretary="present")
    assert_error(call("put", f"/meetings/{future.pk}/attendance", user, body), 400, "future")


# --- Lock, and a locked meeting ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 200), ("member", 404), ("province", 404), ("outsider", 404)],
)
def test_lock_scope(world, meeting, role, status) -> None:
    _lockable(world, meeting)
    response = call("post", f"/meetings/{meeting.pk}/lock", world.users()[role])
    assert response.status_code == status, response.content
    if status == 200:
        body = response.json()
        assert body["status"] == "locked"
        assert body["locked_at"] is not None
    else:
        assert_error(response, 404, "not_found")


def test_lock_needs_complete_minutes(world, meeting) -> None:
    response = call("post", f"/meetings/{meeting.pk}/lock", world.secretary)
    body = assert_error(response, 400, "incomplete")
    assert "nghị quyết" in body["error"]  # Vietnamese first: the API speaks the user's language


def test_a_locked_meeting_refuses_every_change(world, meeting) -> None:
    meeting = _lockable(world, meeting)
    assert call("post", f"/meetings/{meeting.pk}/lock", world.secretary).status_code == 200
    with scopes_disabled():
        meeting = Meeting.objects.get(pk=meeting.pk)
    user = world.secretary
    assert_error(_patch(user, meeting, place="Nơi khác"), 400, "locked")
    body = _roll_body(world, secretary="present", member="late")
    assert_error(call("put", f"/meetings/{meeting.pk}/attendance", user, body), 400, "locked")
    assert_error(call("post", f"/meetings/{meeting.pk}/lock", user), 400, "locked")
    # Reading still works.
    assert call("get", f"/meetings/{meeting.pk}", world.member_user).json()["status"] == "locked"


# --- Minutes as DOCX ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 200), ("member", 200), ("province", 200), ("outsider", 404)],
)
def test_minutes_docx_scope(world, meeting, role, status) -> None:
    response = call("get", f"/meetings/{meeting.pk}/minutes.docx", world.users()[role])
    assert response.status_code == status
    if status == 404:
        assert_error(response, 404, "not_found")
        return
    assert response["Content-Type"] == DOCX_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="bien-ban-')
    document = Document(io.BytesIO(response.content))
    assert document.tables[0].rows[0].cells[1].paragraphs[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Chủ trì: đồng chí Lò Văn Piếng." in text


def test_everything_is_in_the_schema(world) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operations = {
        ("get", "/api/v1/meetings"),
        ("post", "/api/v1/meetings"),
        ("get", "/api/v1/meetings/{meeting_id}"),
        ("patch", "/api/v1/meetings/{meeting_id}"),
        ("put", "/api/v1/meetings/{meeting_id}/attendance"),
        ("post", "/api/v1/meetings/{meeting_id}/lock"),
        ("get", "/api/v1/meetings/{meeting_id}/minutes.docx"),
    }
    for method, path in operations:
        operation = schema["paths"][path][method]
        assert operation["summary"]
        assert {"400", "401", "404"} <= set(operation["responses"])
    docx = schema["paths"]["/api/v1/meetings/{meeting_id}/minutes.docx"]["get"]
    assert DOCX_TYPE in docx["responses"]["200"]["content"]
    assert "409" in schema["paths"]["/api/v1/meetings/{meeting_id}"]["patch"]["responses"]
