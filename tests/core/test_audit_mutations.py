"""Every mutating API operation writes an audit entry (issue 7: "an audit entry for every
mutating endpoint").

The operations are read from the OpenAPI schema (POST/PUT/PATCH/DELETE under /api/v1/); each
has a row in ``CASES``: how to make one valid call. A new mutating operation without a row fails
``test_every_mutating_operation_has_a_row`` and names it; a row whose operation is gone fails it
too. ``KNOWN_UNCOVERED`` is where an operation that cannot be covered yet would be listed, and
it may only shrink (today it is empty).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_scopes import scopes_disabled

from chibo.actions import services as action_services
from chibo.api.api import api
from chibo.core.models import AuditEntry
from chibo.meetings import services as meeting_services
from chibo.meetings.models import Meeting
from tests.actions.factories import held_meeting, resolution_item
from tests.api.test_members_api import bearer
from tests.exchange.helpers import simple_rows, xlsx_bytes
from tests.factories import PASSWORD, make_member
from tests.meetings.factories import P, aware, hold, meeting_on, roll

pytestmark = pytest.mark.django_db
D = dt.date
MUTATING = {"post", "put", "patch", "delete"}

# Operations that have no row yet, named here so the gap is visible; this set may only shrink.
KNOWN_UNCOVERED: set[tuple[str, str]] = set()


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    multipart: bool = False

    def send(self) -> Any:
        client = Client()
        url = f"/api/v1{self.path}"
        if self.multipart:
            return client.post(url, self.body, headers=self.headers)
        if self.body is None and self.method == "delete":
            return client.delete(url, headers=self.headers)
        return getattr(client, self.method)(
            url, self.body or {}, content_type="application/json", headers=self.headers
        )


def _household(world):
    with scopes_disabled():
        return action_services.household_create(
            actor=None,
            cell=world.cell,
            data=action_services.HouseholdData("Lò Văn Khánh"),
        )


def _held(world) -> Meeting:
    return hold(
        meeting_on(world.cell, D(2025, 3, 8)),
        chair=world.secretary_member,
        minute_taker=world.plain_member,
    )


def token_create(world) -> Call:
    body = {"username": "secretary", "password": PASSWORD, "name": "phone"}
    return Call("post", "/auth/token", body=body)


def token_revoke(world) -> Call:
    return Call("delete", "/auth/token", headers=bearer(world.secretary))


def member_create(world) -> Call:
    body = {"unit": world.cell.pk, "full_name": "Lường Thị Mai", "sex": "female"}
    return Call("post", "/members", bearer(world.secretary), body)


def member_update(world) -> Call:
    member = world.plain_member
    body = {"version": member.version, "ethnicity": "Thái"}
    return Call("patch", f"/members/{member.pk}", bearer(world.secretary), body)


def event_create(world) -> Call:
    member = make_member(world.cell, "Lò Văn Mới", official=False, birth_date=D(1990, 1, 1))
    body = {
        "kind": "admission",
        "date": "2025-01-05",
        "decision_number": "12-QĐ/ĐU",
        "deciding_body": "Đảng ủy xã Nậm Tăm",
        "introducers": "Lò Văn Piếng, Tòng Thị Ánh",
    }
    return Call("post", f"/members/{member.pk}/events", bearer(world.secretary), body)


def register_import(world) -> Call:
    data = xlsx_bytes(
        simple_rows(
            "Chi bộ bản Nà Tăm",
            [("Lò Văn Một", "01/02/1980", "Nam", "10/03/2005", "", "11111111")],
        )
    )
    body = {"file": SimpleUploadedFile("f.xlsx", data), "mode": "valid_rows"}
    path = f"/units/{world.cell.pk}/register/import"
    return Call("post", path, bearer(world.secretary), body, multipart=True)


def meeting_create(world) -> Call:
    body = {
        "unit": world.cell.pk,
        "kind": "thematic",
        "planned_date": "2025-06-10",
        "planned_time": "19:30:00",
        "topic": "Nghị quyết về chuyển đổi số",
        "presenter": "Lò Văn Piếng",
    }
    return Call("post", "/meetings", bearer(world.secretary), body)


def meeting_update(world) -> Call:
    meeting = _held(world)
    body = {"version": meeting.version, "place": "Nhà văn hóa"}
    return Call("patch", f"/meetings/{meeting.pk}", bearer(world.secretary), body)


def meeting_attendance(world) -> Call:
    meeting = _held(world)
    rows = [
        {"member_id": world.secretary_member.pk, "category": "present", "reason": ""},
        {"member_id": world.plain_member.pk, "category": "late", "reason": ""},
    ]
    path = f"/meetings/{meeting.pk}/attendance"
    return Call("put", path, bearer(world.secretary), {"rows": rows})


def meeting_lock(world) -> Call:
    meeting = _held(world)
    roll(meeting, {world.secretary_member: P, world.plain_member: P})
    with scopes_disabled():
        meeting_services.resolution_save(
            actor=None,
            meeting=meeting,
            data=meeting_services.ResolutionData(text="Nhất trí", votes_for=2),
        )
    return Call("post", f"/meetings/{meeting.pk}/lock", bearer(world.secretary))


def action_item_create(world) -> Call:
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    body = {
        "origin": "resolution",
        "meeting": meeting.pk,
        "title": "Vận động các hộ đóng góp làm đường",
        "due_date": "2025-03-31",
        "owners": [world.plain_member.pk],
    }
    return Call("post", "/action-items", bearer(world.secretary), body)


def _item(world):
    meeting = held_meeting(world.cell, D(2025, 3, 8))
    with scopes_disabled():
        return resolution_item(meeting, [world.plain_member], D(2025, 3, 31))


def action_item_update(world) -> Call:
    item = _item(world)
    body = {"title": "Làm đường bê tông liên bản"}
    return Call("patch", f"/action-items/{item.pk}", bearer(world.secretary), body)


def action_item_review(world) -> Call:
    item = _item(world)
    later = held_meeting(world.cell, D(2025, 3, 9))
    body = {"meeting": later.pk, "outcome": "done", "reported_by": world.plain_member.pk}
    return Call("post", f"/action-items/{item.pk}/reviews", bearer(world.secretary), body)


def household_create(world) -> Call:
    body = {"unit": world.cell.pk, "head_name": "Quàng Văn Ơn", "hamlet": "Bản Nà Tăm 2"}
    return Call("post", "/households", bearer(world.secretary), body)


def household_assign(world) -> Call:
    household = _household(world)
    body = {"member": world.plain_member.pk}
    path = f"/households/{household.pk}/assignments"
    return Call("post", path, bearer(world.secretary), body)


def household_assignment_end(world) -> Call:
    household = _household(world)
    with scopes_disabled():
        assignment = action_services.household_assign(
            actor=None, household=household, member=world.plain_member, start_date=D(2025, 3, 1)
        )
    path = f"/households/{household.pk}/assignments/{assignment.pk}/end"
    return Call("post", path, bearer(world.secretary), {})


CASES: dict[tuple[str, str], Callable[[Any], Call]] = {
    ("post", "/api/v1/auth/token"): token_create,
    ("delete", "/api/v1/auth/token"): token_revoke,
    ("post", "/api/v1/members"): member_create,
    ("patch", "/api/v1/members/{member_id}"): member_update,
    ("post", "/api/v1/members/{member_id}/events"): event_create,
    ("post", "/api/v1/units/{unit_id}/register/import"): register_import,
    ("post", "/api/v1/meetings"): meeting_create,
    ("patch", "/api/v1/meetings/{meeting_id}"): meeting_update,
    ("put", "/api/v1/meetings/{meeting_id}/attendance"): meeting_attendance,
    ("post", "/api/v1/meetings/{meeting_id}/lock"): meeting_lock,
    ("post", "/api/v1/action-items"): action_item_create,
    ("patch", "/api/v1/action-items/{item_id}"): action_item_update,
    ("post", "/api/v1/action-items/{item_id}/reviews"): action_item_review,
    ("post", "/api/v1/households"): household_create,
    ("post", "/api/v1/households/{household_id}/assignments"): household_assign,
    (
        "post",
        "/api/v1/households/{household_id}/assignments/{assignment_id}/end",
    ): household_assignment_end,
}


def _mutating_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {
        (method, path)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method in operations
        if method in MUTATING
    }


def test_every_mutating_operation_has_a_row() -> None:
    operations = _mutating_operations()
    assert len(operations) >= 16
    missing = operations - set(CASES) - KNOWN_UNCOVERED
    assert sorted(missing) == [], "mutating API operations without an audit row"
    stale = (set(CASES) | KNOWN_UNCOVERED) - operations
    assert sorted(stale) == [], "rows for operations that are gone"
    assert not (set(CASES) & KNOWN_UNCOVERED)


@pytest.mark.parametrize("operation", sorted(CASES), ids=lambda op: f"{op[0]} {op[1]}")
def test_the_operation_writes_an_audit_entry(world, operation) -> None:
    # The morning of 10 March 2025: the meetings of 8 and 9 March are held, items are due.
    with time_machine.travel(aware(D(2025, 3, 10), 9), tick=False):
        call = CASES[operation](world)
        with scopes_disabled():
            last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = call.send()
    assert 200 <= response.status_code < 300, response.content
    with scopes_disabled():
        written = list(AuditEntry.objects.filter(id__gt=last).values_list("action", flat=True))
    assert written, f"{operation} wrote no audit entry"
    assert all(action and "." in action for action in written)
