"""The action items and households API: scope on every endpoint (owner, member, outsider),
writes refused to a plain member, an owner's own report, bad input (400 with the service's
code, never 500), the audit written, constant query counts, the OpenAPI schema."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django_scopes import scopes_disabled

from chibo.accounts.services import api_token_create
from chibo.actions import services
from chibo.actions.models import ActionItem, Household, HouseholdAssignment
from chibo.core.models import AuditEntry
from chibo.meetings.models import Meeting
from chibo.members.models import Member
from tests.actions.factories import at, held_meeting, resolution_item
from tests.api.test_fuzz import run_schemathesis
from tests.api.test_members_api import assert_error, bearer, call
from tests.factories import build_world, make_member
from tests.meetings.factories import aware, meeting_on

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 3, 10)
MARCH_1 = D(2025, 3, 1)
WRITERS = [("secretary", True), ("commune", True)]
NOT_WRITERS = ["member", "province", "outsider"]


@pytest.fixture(autouse=True)
def _clock():
    """Every test runs on the morning of 10 March 2025 (items are due on or after today)."""
    with time_machine.travel(aware(TODAY, 9), tick=False):
        yield


def _member_of(user) -> Member:
    with scopes_disabled():
        return Member.objects.get(user=user)


@pytest.fixture
def meeting(world) -> Meeting:
    """Cell A1's meeting, held on the evening of 8 March 2025."""
    return held_meeting(world.cell, D(2025, 3, 8))


@pytest.fixture
def later(world) -> Meeting:
    """Cell A1's next meeting, held on 9 March 2025: where the items of the 8th are reviewed."""
    return held_meeting(world.cell, D(2025, 3, 9))


@pytest.fixture
def item(world, meeting) -> ActionItem:
    """An item of the 8 March resolution, owned by the plain member, due 31 March."""
    with scopes_disabled():
        return resolution_item(meeting, [world.plain_member], D(2025, 3, 31))


@pytest.fixture
def items(world, meeting, item) -> dict[str, ActionItem]:
    """Items in the three cells: A1 (the fixture ``item`` and an overdue one), A2 and B1."""
    cell2_meeting = held_meeting(world.cell2, D(2025, 3, 5))
    other_meeting = held_meeting(world.other_cell, D(2025, 3, 6))
    with scopes_disabled():
        overdue = resolution_item(
            meeting, [world.secretary_member], D(2025, 3, 9), title="Phát quang đường bản"
        )
        cell2 = resolution_item(
            cell2_meeting, [_member_of(world.secretary2)], D(2025, 3, 20), title="Sửa kênh"
        )
        other = resolution_item(
            other_meeting, [world.other_member], D(2025, 4, 15), title="Trồng rừng"
        )
    return {"item": item, "overdue": overdue, "cell2": cell2, "other": other}


def _household(cell, name: str = "Lò Văn Khánh", **extra) -> Household:
    with scopes_disabled():
        return services.household_create(
            actor=None, cell=cell, data=services.HouseholdData(name, **extra)
        )


def _assign(household: Household, member: Member, day: dt.date = MARCH_1):
    with scopes_disabled():
        return services.household_assign(
            actor=None, household=household, member=member, start_date=day
        )


def _audits(action: str, obj) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action=action, object_id=str(obj.pk)).order_by("id"))


def _fresh(item: ActionItem) -> ActionItem:
    with scopes_disabled():
        return ActionItem.objects.get(pk=item.pk)


# --- The action items list -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "titles"),
    [
        ("secretary", {"Phát quang đường bản", "Vận động các hộ làm đường bê tông"}),
        ("member", {"Phát quang đường bản", "Vận động các hộ làm đường bê tông"}),
        ("commune", {"Phát quang đường bản", "Vận động các hộ làm đường bê tông", "Sửa kênh"}),
        (
            "province",
            {"Phát quang đường bản", "Vận động các hộ làm đường bê tông", "Sửa kênh", "Trồng rừng"},
        ),
        ("outsider", {"Trồng rừng"}),
    ],
)
def test_item_list_is_scoped(world, items, role, titles) -> None:
    body = call("get", "/action-items", world.users()[role]).json()
    assert {r["title"] for r in body["results"]} == titles
    assert body["count"] == len(titles)


def test_item_list_rows_and_filters(world, items) -> None:
    user = world.province_user
    body = call("get", "/action-items", user, unit=world.commune.pk).json()
    # By due date: 9, 20, 31 March.
    assert [r["title"] for r in body["results"]] == [
        "Phát quang đường bản",
        "Sửa kênh",
        "Vận động các hộ làm đường bê tông",
    ]
    first = body["results"][0]
    assert first["owners"] == [{"id": world.secretary_member.pk, "full_name": "Lò Văn Piếng"}]
    assert (first["cell_id"], first["cell_name"]) == (world.cell.pk, "Chi bộ bản Nà Tăm")
    assert (first["origin"], first["status"], first["closed_on"]) == ("resolution", "open", None)
    assert first["source_meeting_id"] == items["item"].source_meeting_id
    assert (first["due_date"], first["overdue"]) == ("2025-03-09", True)
    assert "needs_reassignment" not in first

    def titles(**params) -> list[str]:
        return [r["title"] for r in call("get", "/action-items", user, **params).json()["results"]]

    assert titles(owner=world.plain_member.pk) == ["Vận động các hộ làm đường bê tông"]
    assert titles(overdue="true") == ["Phát quang đường bản"]
    assert titles(overdue="false", unit=world.cell.pk) == ["Vận động các hộ làm đường bê tông"]
    assert titles(due_from="2025-03-20", due_to="2025-03-31") == [
        "Sửa kênh",
        "Vận động các hộ làm đường bê tông",
    ]
    assert titles(status="closed") == []
    assert len(titles(status="open_any")) == 4
    assert len(titles(status="open")) == 4
    assert titles(status="done") == []
    body = call("get", "/action-items", user, page=99).json()
    assert (body["page"], body["pages"], body["has_next"]) == (1, 1, False)


def test_item_list_status_follows_the_reviews(world, items, later) -> None:
    with scopes_disabled():
        services.action_review_add(actor=None, item=items["overdue"], meeting=later, outcome="done")
    user = world.secretary
    closed = call("get", "/action-items", user, status="closed").json()["results"]
    assert [(r["title"], r["closed_on"], r["overdue"]) for r in closed] == [
        ("Phát quang đường bản", "2025-03-09", False)
    ]
    assert call("get", "/action-items", user, overdue="true").json()["count"] == 0
    assert call("get", "/action-items", user, status="open_any").json()["count"] == 1


def test_item_list_bad_params_are_400(world) -> None:
    for params in (
        {"status": "nope"},
        {"due_from": "2025-02-30"},
        {"due_to": "9999-12-31"},
        {"due_from": "10/03/2025"},
        {"due_to": "0"},
        {"due_to": "1741564800"},  # a Unix time is not a date here
        {"overdue": "maybe"},
        {"unit": 0},
        {"unit": 2**64},
        {"owner": 2**64},
        {"page": 0},
    ):
        assert_error(call("get", "/action-items", world.commune_user, **params), 400, "invalid")


@pytest.mark.parametrize("role", ["outsider", "member", "secretary"])
def test_item_list_of_a_unit_out_of_scope_is_404(world, role) -> None:
    response = call("get", "/action-items", world.users()[role], unit=world.cell2.pk)
    assert_error(response, 404, "not_found")


def test_item_list_needs_a_token(world) -> None:
    assert_error(call("get", "/action-items", None), 401, "unauthorized")


@pytest.mark.parametrize("size", [2, 20])
def test_item_list_query_count_is_constant(world, meeting, django_assert_num_queries, size) -> None:
    owners = (world.plain_member, world.secretary_member)
    with scopes_disabled(), at(meeting.planned_date):
        for n in range(size):
            services.action_item_from_resolution(
                actor=None,
                meeting=meeting,
                data=services.ItemData(f"Việc {n:02d}", D(2025, 4, 1), owners),
            )
    headers = bearer(world.province_user)
    client = Client()
    client.get("/api/v1/action-items", headers=headers)  # the token's first use is recorded
    # The token, the user's access (one query), the count, the items, their owners.
    with django_assert_num_queries(5):
        body = client.get("/api/v1/action-items", headers=headers).json()
    assert body["count"] == size
    assert all(len(r["owners"]) == 2 for r in body["results"])
    with django_assert_num_queries(6):  # and the unit
        body = client.get(
            "/api/v1/action-items",
            {"unit": world.cell.pk, "owner": world.plain_member.pk},
            headers=headers,
        ).json()
    assert body["count"] == size


# --- Creating items ------------------------------------------------------------------------------
def _new(world, meeting: Meeting, /, **changes) -> dict:
    return {
        "origin": "resolution",
        "meeting": meeting.pk,
        "title": "Vận động các hộ đóng góp làm đường",
        "details": "Mỗi hộ 2 ngày công.",
        "due_date": "2025-03-31",
        "owners": [world.plain_member.pk, world.secretary_member.pk],
        **changes,
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 201), ("commune", 201), ("member", 404), ("province", 404), ("outsider", 404)],
)
def test_create_scope(world, meeting, role, status) -> None:
    user = world.users()[role]
    response = call("post", "/action-items", user, _new(world, meeting))
    assert response.status_code == status, response.content
    with scopes_disabled():
        created = list(ActionItem.objects.all())
    if status == 404:
        assert_error(response, 404, "not_found")
        assert created == []
        return
    body = response.json()
    assert (body["origin"], body["cell_id"], body["source_meeting_id"]) == (
        "resolution",
        world.cell.pk,
        meeting.pk,
    )
    assert [o["full_name"] for o in body["owners"]] == ["Tòng Thị Ánh", "Lò Văn Piếng"]
    assert [(o["start_date"], o["end_date"]) for o in body["ownerships"]] == [
        ("2025-03-10", None),
        ("2025-03-10", None),
    ]
    assert (body["status"], body["reviews"]) == ("open", [])
    (entry,) = _audits("action_item.created", created[0])
    assert (entry.actor_id, entry.unit_id) == (user.pk, world.cell.pk)
    assert entry.changes["owners"] == [None, [world.plain_member.pk, world.secretary_member.pk]]


def test_create_guidance_and_document_items(world, meeting) -> None:
    user = world.commune_user
    guidance = {
        "origin": "guidance",
        "cell": world.cell.pk,
        "title": "Rà soát hộ nghèo",
        "due_date": "2025-04-15",
        "document_reference": "12-CV/ĐU",
    }
    response = call("post", "/action-items", user, guidance)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["origin"], body["owners"], body["source_meeting_id"]) == ("guidance", [], None)
    document = {
        "origin": "document",
        "cell": world.cell.pk,
        "meeting": meeting.pk,
        "title": "Xây dựng kế hoạch thực hiện tại bản",
        "due_date": "2025-05-01",
        "owners": [world.plain_member.pk],
        "document_reference": "42-HD/BTCTW",
        "document_date": "2025-02-01",
    }
    response = call("post", "/action-items", user, document)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["origin"], body["source_meeting_id"], body["document_date"]) == (
        "document",
        meeting.pk,
        "2025-02-01",
    )
    assert len(_audits("action_item.created", ActionItem(pk=body["id"]))) == 1


def test_create_refusals(world, meeting) -> None:
    user = world.secretary
    path = "/action-items"

    def refused(code: str, field: str | None = None, **changes) -> None:
        body = assert_error(call("post", path, user, _new(world, meeting, **changes)), 400, code)
        if field:
            assert field in body["fields"], body

    refused("due_before_created", "due_date", due_date="2025-03-09")
    refused("meeting_required", "meeting", meeting=None)
    refused("wrong_cell", "meeting", cell=world.cell2.pk)
    refused("cell_required", "cell", origin="guidance", meeting=None)
    refused("meeting_not_allowed", "meeting", origin="guidance", cell=world.cell.pk)
    refused("no_document", "document_reference", origin="document", cell=world.cell.pk)
    refused("owner_required", "owners", owners=[])
    refused("not_eligible", "owners", owners=[world.other_member.pk])  # another cell's
    refused("not_eligible", "owners", owners=[999_999])
    refused("duplicate_owner", "owners", owners=[world.plain_member.pk] * 2)
    refused("no_title", "title", title="   ")
    refused("document_in_future", "document_date", document_date="2025-03-11")
    newcomer = make_member(world.cell, "Lường Văn Mới", official=False)
    refused("not_on_roll", "owners", owners=[newcomer.pk])
    planned = meeting_on(world.cell, D(2025, 3, 20))
    refused("meeting_not_held", "meeting", meeting=planned.pk)
    response = call(
        "post",
        path,
        world.commune_user,
        {
            "origin": "guidance",
            "cell": world.commune.pk,
            "title": "Rà soát",
            "due_date": "2025-04-01",
        },
    )
    assert_error(response, 400, "not_a_cell")
    for bad in (
        {"origin": "order"},
        {"due_date": "2025-02-30"},
        {"due_date": "9999-12-31"},
        {"due_date": None},
        {"due_date": 0},
        {"title": "x" * 301},
        {"title": "a\x00b"},
        {"owners": [0]},
        {"owners": [2**64]},
        {"owners": list(range(1, 52))},
        {"meeting": 2**64},
        {"cell": "abc"},
    ):
        assert_error(call("post", path, user, _new(world, meeting, **bad)), 400, "invalid")
    # Another cell's meeting is out of the secretary's scope: 404, as a missing one.
    cell2_meeting = held_meeting(world.cell2, D(2025, 3, 5))
    assert_error(call("post", path, user, _new(world, cell2_meeting)), 404, "not_found")
    assert_error(call("post", path, user, _new(world, meeting, meeting=999_999)), 404, "not_found")
    # The commune sees both cells: a document item of A1 decided at A2's meeting is refused.
    document = _new(
        world, cell2_meeting, origin="document", cell=world.cell.pk, document_reference="42-HD"
    )
    assert_error(call("post", path, world.commune_user, document), 400, "wrong_cell")
    with scopes_disabled():
        assert not ActionItem.objects.exists()


# --- One item ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 200), ("member", 200), ("commune", 200), ("province", 200), ("outsider", 404)],
)
def test_detail_scope(world, item, later, role, status) -> None:
    with scopes_disabled():
        services.action_progress_report(
            actor=None, item=item, member=world.plain_member, outcome="in_progress", note="Đã họp"
        )
        services.action_review_add(
            actor=None, item=item, meeting=later, outcome="not_done", note="Thiếu xi măng"
        )
    response = call("get", f"/action-items/{item.pk}", world.users()[role])
    assert response.status_code == status
    if status == 404:
        assert_error(response, 404, "not_found")
        return
    body = response.json()
    assert body["status"] == "not_done"
    assert [(r["outcome"], r["meeting_id"], r["reported_by_name"]) for r in body["reviews"]] == [
        ("in_progress", None, "Tòng Thị Ánh"),
        ("not_done", later.pk, ""),
    ]
    assert body["reviews"][1]["note"] == "Thiếu xi măng"
    assert body["ownerships"] == [
        {
            "member_id": world.plain_member.pk,
            "full_name": "Tòng Thị Ánh",
            "start_date": "2025-03-08",
            "end_date": None,
        }
    ]


def test_detail_bad_ids(world) -> None:
    assert_error(call("get", "/action-items/999999", world.province_user), 404, "not_found")
    assert_error(call("get", f"/action-items/{2**64}", world.province_user), 400, "invalid")
    assert_error(call("get", "/action-items/abc", world.province_user), 400, "invalid")


# --- PATCH ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 200), ("commune", 200), ("member", 404), ("province", 404), ("outsider", 404)],
)
def test_patch_scope(world, item, role, status) -> None:
    body = {"title": "Làm đường bê tông liên bản"}
    response = call("patch", f"/action-items/{item.pk}", world.users()[role], body)
    assert response.status_code == status, response.content
    title = _fresh(item).title
    if status == 200:
        assert response.json()["title"] == title == "Làm đường bê tông liên bản"
        (entry,) = _audits("action_item.changed", item)
        assert entry.actor_id == world.users()[role].pk
    else:
        assert_error(response, 404, "not_found")
        assert title == "Vận động các hộ làm đường bê tông"
        assert _audits("action_item.changed", item) == []


def test_patch_changes_only_what_is_sent(world, item) -> None:
    path = f"/action-items/{item.pk}"
    user = world.secretary
    body = call("patch", path, user, {"details": "Mỗi hộ 2 ngày công", "due_date": "2025-04-05"})
    body = body.json()
    assert (body["details"], body["due_date"]) == ("Mỗi hộ 2 ngày công", "2025-04-05")
    assert body["title"] == "Vận động các hộ làm đường bê tông"  # unchanged
    assert [o["id"] for o in body["owners"]] == [world.plain_member.pk]  # unchanged
    # Owners sent: the new list replaces the current one, the history stays.
    body = call("patch", path, user, {"owners": [world.secretary_member.pk]}).json()
    assert [o["full_name"] for o in body["owners"]] == ["Lò Văn Piếng"]
    assert [(o["full_name"], o["start_date"], o["end_date"]) for o in body["ownerships"]] == [
        ("Tòng Thị Ánh", "2025-03-08", "2025-03-10"),
        ("Lò Văn Piếng", "2025-03-10", None),
    ]
    assert body["details"] == "Mỗi hộ 2 ngày công"
    entry = _audits("action_item.changed", item)[-1]
    assert entry.changes["owners"] == [[world.plain_member.pk], [world.secretary_member.pk]]
    # null clears a text or the document date.
    body = call("patch", path, user, {"details": None, "document_date": None}).json()
    assert (body["details"], body["document_date"]) == ("", None)
    # Nothing sent, nothing changed (and nothing audited).
    before = len(_audits("action_item.changed", item))
    assert call("patch", path, user, {}).status_code == 200
    assert len(_audits("action_item.changed", item)) == before


def test_patch_refusals(world, item, later) -> None:
    path = f"/action-items/{item.pk}"
    user = world.secretary
    body = assert_error(
        call("patch", path, user, {"due_date": "2025-03-07"}), 400, "due_before_created"
    )
    assert "07/03/2025" in body["fields"]["due_date"][0]
    assert_error(call("patch", path, user, {"owners": []}), 400, "owner_required")
    assert_error(
        call("patch", path, user, {"owners": [world.other_member.pk]}), 400, "not_eligible"
    )
    for bad in (
        {"title": None},
        {"due_date": None},
        {"owners": None},
        {"due_date": "2025-13-01"},
        {"owners": [2**64]},
        {"details": "x" * 20_001},
        {"due_date": 1_741_564_800},
        [None, None],  # not an object
        "title",
    ):
        assert_error(call("patch", path, user, bad), 400, "invalid")
    assert _fresh(item).due_date == D(2025, 3, 31)
    with scopes_disabled():
        services.action_review_add(actor=None, item=item, meeting=later, outcome="done")
    assert_error(call("patch", path, user, {"title": "Khác"}), 400, "closed")


# --- Reviews and own reports ---------------------------------------------------------------------
def _reviews_path(item: ActionItem) -> str:
    return f"/action-items/{item.pk}/reviews"


@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 201), ("commune", 201), ("member", 404), ("province", 404), ("outsider", 404)],
)
def test_review_at_a_meeting_scope(world, item, later, role, status) -> None:
    body = {"meeting": later.pk, "outcome": "done", "reported_by": world.plain_member.pk}
    response = call("post", _reviews_path(item), world.users()[role], body)
    assert response.status_code == status, response.content
    if status == 404:
        assert_error(response, 404, "not_found")
        assert _fresh(item).status == "open"
        return
    body = response.json()
    assert (body["status"], body["closed_on"]) == ("done", "2025-03-09")
    assert [(r["outcome"], r["meeting_id"], r["reported_by_id"]) for r in body["reviews"]] == [
        ("done", later.pk, world.plain_member.pk)
    ]
    (entry,) = _audits("action_item.reviewed", item)
    assert entry.changes["status"] == ["open", "done"]
    assert entry.actor_id == world.users()[role].pk


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("member", 201, ""),  # the owner
        ("secretary", 400, "not_owner"),  # in the cell, but not an owner
        ("commune", 400, "not_owner"),  # no member record
        ("province", 400, "not_owner"),
        ("outsider", 404, "not_found"),
    ],
)
def test_own_report_scope(world, item, role, status, code) -> None:
    body = {"outcome": "done", "note": "Đã đổ xong 200 m"}
    response = call("post", _reviews_path(item), world.users()[role], body)
    if status != 201:
        assert_error(response, status, code)
        assert _fresh(item).status == "open"
        return
    assert response.status_code == 201, response.content
    body = response.json()
    # An owner's "done" is for the meeting to confirm.
    assert (body["status"], body["closed_on"]) == ("reported_done", None)
    (review,) = body["reviews"]
    assert (review["meeting_id"], review["reported_by_id"], review["date"]) == (
        None,
        world.plain_member.pk,
        "2025-03-10",
    )
    (entry,) = _audits("action_item.reviewed", item)
    assert (entry.actor_id, entry.member_id) == (world.member_user.pk, world.plain_member.pk)


def test_review_refusals(world, meeting, item, later) -> None:
    path = _reviews_path(item)
    owner, secretary = world.member_user, world.secretary
    assert_error(
        call("post", path, owner, {"outcome": "not_done", "note": "Mưa"}),
        400,
        "outcome_not_allowed",
    )
    assert_error(call("post", path, owner, {"outcome": "in_progress"}), 400, "note_required")
    response = call(
        "post", path, owner, {"outcome": "done", "note": "Xong", "reported_by": owner.pk}
    )
    assert_error(response, 400, "meeting_required")
    at_meeting = {"meeting": later.pk}
    assert_error(
        call("post", path, secretary, {**at_meeting, "outcome": "not_done"}), 400, "note_required"
    )
    assert_error(
        call("post", path, secretary, {"meeting": meeting.pk, "outcome": "done"}),
        400,
        "same_meeting",
    )
    response = call(
        "post",
        path,
        secretary,
        {**at_meeting, "outcome": "done", "reported_by": world.secretary_member.pk},
    )
    assert_error(response, 400, "not_owner")
    response = call(
        "post",
        path,
        secretary,
        {**at_meeting, "outcome": "done", "reported_by": world.other_member.pk},
    )
    assert_error(response, 400, "not_eligible")
    planned = meeting_on(world.cell, D(2025, 3, 25))
    response = call("post", path, secretary, {"meeting": planned.pk, "outcome": "done"})
    assert_error(response, 400, "meeting_not_held")
    other = held_meeting(world.other_cell, D(2025, 3, 6))
    response = call("post", path, secretary, {"meeting": other.pk, "outcome": "done"})
    assert_error(response, 404, "not_found")  # another commune's meeting: out of scope
    cell2_meeting = held_meeting(world.cell2, D(2025, 3, 9))
    response = call(
        "post", path, world.commune_user, {"meeting": cell2_meeting.pk, "outcome": "done"}
    )
    assert_error(response, 400, "wrong_cell")
    for bad in (
        {"outcome": "finished"},
        {"outcome": None},
        {},
        {"outcome": "done", "meeting": 2**64},
        {"outcome": "done", "note": "a\x01b"},
    ):
        assert_error(call("post", path, secretary, bad), 400, "invalid")
    assert _fresh(item).status == "open"
    response = call("post", path, secretary, {**at_meeting, "outcome": "dropped", "note": "Xã làm"})
    assert response.status_code == 201
    assert_error(call("post", path, owner, {"outcome": "done", "note": "Xong"}), 400, "closed")
    assert_error(call("post", path, secretary, {**at_meeting, "outcome": "done"}), 400, "closed")
    assert_error(
        call("post", "/action-items/999999/reviews", owner, {"outcome": "done"}), 404, "not_found"
    )


# --- Households ----------------------------------------------------------------------------------
@pytest.fixture
def households(world) -> dict[str, Household]:
    """Two households of A1 (one followed by the plain member), one of A2, one of B1."""
    followed = _household(world.cell, "Lò Văn Khánh", hamlet="Bản Nà Tăm 1")
    alone = _household(world.cell, "Cầm Thị Xuân")
    _assign(followed, world.plain_member)
    return {
        "followed": followed,
        "alone": alone,
        "cell2": _household(world.cell2, "Giàng A Páo"),
        "other": _household(world.other_cell, "Mùa A Dơ"),
    }


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("secretary", ["Lò Văn Khánh", "Cầm Thị Xuân"]),
        ("member", ["Lò Văn Khánh", "Cầm Thị Xuân"]),
        ("commune", ["Lò Văn Khánh", "Giàng A Páo", "Cầm Thị Xuân"]),
        ("province", ["Mùa A Dơ", "Lò Văn Khánh", "Giàng A Páo", "Cầm Thị Xuân"]),
        ("outsider", ["Mùa A Dơ"]),
    ],
)
def test_household_list_is_scoped(world, households, role, names) -> None:
    body = call("get", "/households", world.users()[role]).json()
    # Vietnamese order: by given name (Dơ, Khánh, Páo, Xuân).
    assert [r["head_name"] for r in body["results"]] == names
    assert body["count"] == len(names)


def test_household_list_filters(world, households) -> None:
    user = world.secretary
    body = call("get", "/households", user, unit=world.cell.pk, unfollowed="true").json()
    assert [r["head_name"] for r in body["results"]] == ["Cầm Thị Xuân"]
    body = call("get", "/households", user, unit=world.cell.pk, unfollowed="false").json()
    (row,) = body["results"]
    assert (row["head_name"], row["hamlet"], row["active"]) == (
        "Lò Văn Khánh",
        "Bản Nà Tăm 1",
        True,
    )
    assert row["followers"] == [{"id": world.plain_member.pk, "full_name": "Tòng Thị Ánh"}]
    assert "notes" not in row
    with scopes_disabled():
        services.household_deactivate(actor=None, household=households["alone"], day=TODAY)
    body = call("get", "/households", user, active="false").json()
    assert [r["head_name"] for r in body["results"]] == ["Cầm Thị Xuân"]
    body = call("get", "/households", user, active="true").json()
    assert [r["head_name"] for r in body["results"]] == ["Lò Văn Khánh"]
    # An inactive household is not "unfollowed": nobody is expected to follow it.
    assert (
        call("get", "/households", user, unit=world.cell.pk, unfollowed="true").json()["count"] == 0
    )
    body = call("get", "/households", world.commune_user, unit=world.commune.pk).json()
    assert body["count"] == 3


def test_household_list_refusals(world) -> None:
    user = world.commune_user
    body = assert_error(call("get", "/households", user, unfollowed="true"), 400, "cell_required")
    assert "unfollowed" in body["fields"]
    response = call("get", "/households", user, unit=world.commune.pk, unfollowed="false")
    assert_error(response, 400, "cell_required")
    for params in ({"active": "perhaps"}, {"unit": 0}, {"unit": 2**64}, {"page": 0}):
        assert_error(call("get", "/households", user, **params), 400, "invalid")
    for role in ("outsider", "member", "secretary"):
        response = call("get", "/households", world.users()[role], unit=world.cell2.pk)
        assert_error(response, 404, "not_found")
    assert_error(call("get", "/households", None), 401, "unauthorized")


@pytest.mark.parametrize("size", [2, 20])
def test_household_list_query_count_is_constant(world, django_assert_num_queries, size) -> None:
    for n in range(size):
        household = _household(world.cell, f"Lò Văn Hộ {n:02d}")
        _assign(household, world.plain_member)
        _assign(household, world.secretary_member)
    headers = bearer(world.province_user)
    client = Client()
    client.get("/api/v1/households", headers=headers)
    # The token, the user's access (one query), the count, the households, their followers.
    with django_assert_num_queries(5):
        body = client.get("/api/v1/households", headers=headers).json()
    assert body["count"] == size
    assert all(len(r["followers"]) == 2 for r in body["results"])
    # And the unit, the cell's roll, the households nobody follows.
    with django_assert_num_queries(8):
        body = client.get(
            "/api/v1/households", {"unit": world.cell.pk, "unfollowed": "false"}, headers=headers
        ).json()
    assert body["count"] == size


@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 201), ("commune", 201), ("member", 404), ("province", 404), ("outsider", 404)],
)
def test_household_create_scope(world, role, status) -> None:
    user = world.users()[role]
    body = {"unit": world.cell.pk, "head_name": "  Quàng Văn Ơn ", "hamlet": "Bản Nà Tăm 2"}
    response = call("post", "/households", user, body)
    assert response.status_code == status, response.content
    with scopes_disabled():
        created = list(Household.objects.all())
    if status == 404:
        assert_error(response, 404, "not_found")
        assert created == []
        return
    body = response.json()
    assert (body["head_name"], body["cell_id"], body["assignments"]) == (
        "Quàng Văn Ơn",
        world.cell.pk,
        [],
    )
    (entry,) = _audits("household.created", created[0])
    assert (entry.actor_id, entry.unit_id) == (user.pk, world.cell.pk)


def test_household_create_refusals(world) -> None:
    user = world.commune_user
    good = {"unit": world.cell.pk, "head_name": "Quàng Văn Ơn"}
    assert_error(call("post", "/households", user, {**good, "head_name": " "}), 400, "no_name")
    assert_error(
        call("post", "/households", user, {**good, "unit": world.commune.pk}), 400, "not_a_cell"
    )
    for bad in (
        {"head_name": "x" * 151},
        {"head_name": None},
        {"hamlet": "x" * 101},
        {"unit": 2**64},
        {"unit": None},
        {"notes": "a\x00"},
    ):
        assert_error(call("post", "/households", user, {**good, **bad}), 400, "invalid")
    assert_error(call("post", "/households", user, {**good, "unit": 999_999}), 404, "not_found")


@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 200), ("member", 200), ("commune", 200), ("province", 200), ("outsider", 404)],
)
def test_household_detail_scope(world, households, role, status) -> None:
    household = households["followed"]
    with scopes_disabled():
        services.household_contact_log(
            actor=None,
            household=household,
            member=world.plain_member,
            day=D(2025, 3, 5),
            category="opinions",
            note="Ý kiến riêng của hộ về cán bộ xã",
        )
        old = _assign(household, world.secretary_member, D(2025, 2, 1))
        services.household_assignment_end(actor=None, assignment=old, end_date=D(2025, 2, 28))
    response = call("get", f"/households/{household.pk}", world.users()[role])
    assert response.status_code == status
    if status == 404:
        assert_error(response, 404, "not_found")
        return
    body = response.json()
    assert [(a["full_name"], a["start_date"], a["end_date"]) for a in body["assignments"]] == [
        ("Lò Văn Piếng", "2025-02-01", "2025-02-28"),
        ("Tòng Thị Ánh", "2025-03-01", None),
    ]
    assert [f["full_name"] for f in body["followers"]] == ["Tòng Thị Ánh"]
    # The contacts (and what people said) are not exposed by the API.
    assert "contacts" not in body
    assert "Ý kiến riêng" not in response.content.decode()


def test_household_detail_bad_ids(world) -> None:
    assert_error(call("get", "/households/999999", world.province_user), 404, "not_found")
    assert_error(call("get", f"/households/{2**64}", world.province_user), 400, "invalid")


@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 201), ("commune", 201), ("member", 404), ("province", 404), ("outsider", 404)],
)
def test_assign_scope(world, households, role, status) -> None:
    household = households["alone"]
    user = world.users()[role]
    body = {"member": world.plain_member.pk}
    response = call("post", f"/households/{household.pk}/assignments", user, body)
    assert response.status_code == status, response.content
    if status == 404:
        assert_error(response, 404, "not_found")
        assert _audits("household.assigned", household) == []
        return
    (assignment,) = response.json()["assignments"]
    assert (assignment["member_id"], assignment["start_date"], assignment["end_date"]) == (
        world.plain_member.pk,
        "2025-03-10",  # today when left out
        None,
    )
    (entry,) = _audits("household.assigned", household)
    assert (entry.actor_id, entry.member_id) == (user.pk, world.plain_member.pk)


def test_assign_refusals(world, households) -> None:
    user = world.secretary
    path = f"/households/{households['followed'].pk}/assignments"
    response = call("post", path, user, {"member": world.plain_member.pk})
    assert_error(response, 400, "already_assigned")
    response = call("post", path, user, {"member": world.other_member.pk})
    assert_error(response, 400, "not_eligible")
    newcomer = make_member(world.cell, "Lường Văn Mới", official=False)
    assert_error(call("post", path, user, {"member": newcomer.pk}), 400, "not_on_roll")
    response = call(
        "post", path, user, {"member": world.secretary_member.pk, "start_date": "2004-01-01"}
    )
    assert_error(response, 400, "not_on_roll")  # before they were admitted
    for bad in (
        {"member": 2**64},
        {"member": None},
        {},
        {"member": world.secretary_member.pk, "start_date": "2025-02-30"},
        {"member": world.secretary_member.pk, "start_date": "1800-01-01"},
    ):
        assert_error(call("post", path, user, bad), 400, "invalid")
    with scopes_disabled():
        services.household_deactivate(actor=None, household=households["alone"], day=TODAY)
    path = f"/households/{households['alone'].pk}/assignments"
    assert_error(call("post", path, user, {"member": world.plain_member.pk}), 400, "inactive")
    path = f"/households/{households['cell2'].pk}/assignments"
    assert_error(call("post", path, user, {"member": world.plain_member.pk}), 404, "not_found")


def _end_path(assignment: HouseholdAssignment) -> str:
    return f"/households/{assignment.household_id}/assignments/{assignment.pk}/end"


@pytest.mark.parametrize(
    ("role", "status"),
    [("secretary", 200), ("commune", 200), ("member", 404), ("province", 404), ("outsider", 404)],
)
def test_assignment_end_scope(world, households, role, status) -> None:
    with scopes_disabled():
        assignment = HouseholdAssignment.objects.get(household=households["followed"])
    user = world.users()[role]
    response = call("post", _end_path(assignment), user, {})
    assert response.status_code == status, response.content
    if status == 404:
        assert_error(response, 404, "not_found")
        assert _audits("household.assignment_ended", households["followed"]) == []
        return
    body = response.json()
    assert [a["end_date"] for a in body["assignments"]] == ["2025-03-10"]  # today when left out
    # The end date is the last day they follow it.
    assert [f["id"] for f in body["followers"]] == [world.plain_member.pk]
    (entry,) = _audits("household.assignment_ended", households["followed"])
    assert entry.actor_id == user.pk


def test_assignment_end_refusals(world, households) -> None:
    user = world.secretary
    with scopes_disabled():
        assignment = HouseholdAssignment.objects.get(household=households["followed"])
    path = _end_path(assignment)
    assert_error(call("post", path, user, {"end_date": "2025-02-28"}), 400, "end_before_start")
    for bad in (
        {"end_date": "2025-02-30"},
        {"end_date": "3000-01-01"},
        {"end_date": 5},
        [None, None],
        7,
    ):
        assert_error(call("post", path, user, bad), 400, "invalid")
    # The assignment of another household (in scope) under this one's path: not found.
    wrong = f"/households/{households['alone'].pk}/assignments/{assignment.pk}/end"
    assert_error(call("post", wrong, user, {}), 404, "not_found")
    assert_error(
        call("post", f"/households/{households['followed'].pk}/assignments/999999/end", user, {}),
        404,
        "not_found",
    )
    response = call("post", path, user, {"end_date": "2025-03-05"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["assignments"][0]["end_date"], body["followers"]) == ("2025-03-05", [])
    assert_error(call("post", path, user, {}), 400, "already_ended")


# --- The schema ----------------------------------------------------------------------------------
def test_everything_is_in_the_schema(db) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operations = {
        ("get", "/api/v1/action-items"),
        ("post", "/api/v1/action-items"),
        ("get", "/api/v1/action-items/{item_id}"),
        ("patch", "/api/v1/action-items/{item_id}"),
        ("post", "/api/v1/action-items/{item_id}/reviews"),
        ("get", "/api/v1/households"),
        ("post", "/api/v1/households"),
        ("get", "/api/v1/households/{household_id}"),
        ("post", "/api/v1/households/{household_id}/assignments"),
        ("post", "/api/v1/households/{household_id}/assignments/{assignment_id}/end"),
    }
    found = {
        (method, path)
        for path, methods in schema["paths"].items()
        if path.startswith(("/api/v1/action-items", "/api/v1/households"))
        for method in methods
    }
    assert found == operations
    for method, path in operations:
        operation = schema["paths"][path][method]
        assert operation["summary"]
        assert operation["tags"] == ["action items"]
        assert {"400", "401", "404"} <= set(operation["responses"])
    listing = schema["paths"]["/api/v1/action-items"]["get"]
    status = next(p for p in listing["parameters"] if p["name"] == "status")
    assert {"open_any", "closed", "reported_done"} <= set(status["schema"]["anyOf"][0]["enum"])
    review = schema["paths"]["/api/v1/action-items/{item_id}/reviews"]["post"]
    assert "own progress report" in review["description"]


# --- Fuzzing ------------------------------------------------------------------------------------
@pytest.mark.fuzz
def test_actions_api_survives_schemathesis(live_server, transactional_db, tmp_path) -> None:
    """test_fuzz.py, on these paths only and with rows to find: no 5xx, every response in the
    schema."""
    world = build_world()
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    with scopes_disabled():
        resolution_item(meeting, [world.plain_member], D(2025, 3, 31))
        _assign(_household(world.cell), world.plain_member)
    _token, raw = api_token_create(user=world.commune_user)
    run_schemathesis(
        live_server,
        tmp_path,
        raw,
        seed=20261124,
        extra=["--include-path-regex", "^/api/v1/(action-items|households)"],
    )
