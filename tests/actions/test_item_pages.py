"""The action-item pages: a cell's items, a meeting's items from its resolution, the commune's
guidance and a document's plan, one item, editing it, an owner's own report (from the home
page too) and the review of the open items at a meeting. Each renders; bad input gives the
service's message (never a 500); a plain member reads but cannot change; another commune gets
404; the list pages and "my tasks" answer in a constant number of queries.
(Scope of every page for every role: tests/scope_rows/actions_items.py.)"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.actions import services
from chibo.actions.models import ActionItem, ActionOwner, ActionReview, ItemStatus, Origin
from chibo.core.models import AuditEntry
from chibo.meetings import services as meetings
from chibo.meetings.models import Meeting
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind
from tests.actions.factories import at, held_meeting, resolution_item
from tests.meetings.factories import aware, bulk_members, meeting_on

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 3, 10)
NOW = aware(TODAY, 9)  # the meetings of 08/03 (decides) and 09/03 (reviews) have been held


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def member(world, client_en):
    """The plain member of the cell (meeting.view only)."""
    return client_en(world.member_user)


@pytest.fixture
def march(world) -> Meeting:
    """The meeting that decides the items (held on 08/03/2025)."""
    return held_meeting(world.cell, D(2025, 3, 8))


@pytest.fixture
def review_meeting(world, march) -> Meeting:
    """The next meeting, which reviews them (held on 09/03/2025)."""
    return held_meeting(world.cell, D(2025, 3, 9))


def _url(name: str, *args) -> str:
    return reverse(f"actions:{name}", args=args)


def _item(pk: int) -> ActionItem:
    with scopes_disabled():
        return ActionItem.objects.get(pk=pk)


def _review(item, meeting, outcome, note=""):
    with at(meeting.planned_date), scopes_disabled():
        return services.action_review_add(
            actor=None, item=item, meeting=meeting, outcome=outcome, note=note
        )


def _audit(action: str, item: ActionItem) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action=action, object_id=str(item.pk)))


def _section(html: str, element_id: str, end: str = "</section>") -> str:
    """The HTML from the element with ``element_id`` to the end of its card."""
    start = html.index(f'id="{element_id}"')
    return html[start : html.index(end, start)]


def _item_post(**extra) -> dict:
    data = {
        "title": "Vận động các hộ làm đường bê tông",
        "details": "Thôn Nà Tăm, đoạn 300 m",
        "due_date": "2025-04-30",
        "document_reference": "",
        "document_date": "",
    }
    data.update(extra)
    return data


# --- A cell's items ----------------------------------------------------------------------------
def test_cell_items_marks_overdue_and_reassignment_and_lists_the_closed(
    world, sec, member, march, review_meeting
) -> None:
    (leaver,) = bulk_members(world.cell, 1)
    late = resolution_item(march, [world.plain_member], D(2025, 3, 9), title="Phát quang")
    left = resolution_item(march, [leaver], D(2025, 3, 31), title="Thu quỹ")
    done = resolution_item(march, [world.secretary_member], D(2025, 3, 31), title="Sửa loa")
    with at(D(2025, 3, 8)), scopes_disabled():
        services.action_item_from_guidance(
            actor=None, cell=world.cell, data=services.ItemData("Rà soát hộ nghèo", TODAY)
        )
    _review(done, review_meeting, "done")
    with at(D(2025, 3, 9)):
        member_event_add(
            actor=None,
            member=leaver,
            data=EventData(kind=EventKind.TRANSFER_OUT, date=D(2025, 3, 9), other_cell=world.cell2),
        )
    response = sec.get(_url("cell_items", world.cell.pk))
    assert response.status_code == 200
    html = response.content.decode()
    opened = _section(html, "open")
    assert "(3)" in opened
    # By due date: the overdue one first, the one without an owner, the leaver's.
    assert opened.index("Phát quang") < opened.index("Rà soát hộ nghèo") < opened.index("Thu quỹ")
    assert "Sửa loa" not in opened
    late_row = opened[opened.index(f'id="item-{late.pk}"') :].split("</li>")[0]
    assert "Overdue" in late_row
    assert "Due 09/03/2025" in late_row
    assert "Tòng Thị Ánh" in late_row
    assert "Needs reassignment" not in late_row
    left_row = opened[opened.index(f'id="item-{left.pk}"') :].split("</li>")[0]
    assert "Needs reassignment" in left_row
    assert leaver.full_name in left_row
    assert "Overdue" not in left_row
    assert "no owner yet" in opened
    closed = _section(html, "closed")
    assert "Sửa loa" in closed
    assert "closed on 09/03/2025" in closed
    assert _url("guidance_add", world.cell.pk) in html
    assert _url("document_add", world.cell.pk) in html
    # A plain member reads the same lists, without the links to add.
    html = member.get(_url("cell_items", world.cell.pk)).content.decode()
    assert "Phát quang" in html
    assert _url("guidance_add", world.cell.pk) not in html


def _items(world, meeting, review_meeting, n: int) -> None:
    """``n`` items of ``meeting``: the first closed at ``review_meeting``, the second reviewed
    in progress and reported on, the rest open; owners from a set of members."""
    people = [world.plain_member, world.secretary_member]
    for i in range(n):
        owners = [people[i % 2]] if i % 3 else people
        one = resolution_item(meeting, owners, D(2025, 3, 20 + i % 5), title=f"Việc {i:02d}")
        if i == 0:
            _review(one, review_meeting, "done")
        elif i == 1:
            _review(one, review_meeting, "in_progress", "Đang làm")


@pytest.mark.parametrize("page", ["cell_items", "meeting_items", "meeting_review"])
def test_list_pages_answer_in_a_constant_number_of_queries(
    world, sec, march, review_meeting, django_assert_num_queries, page
) -> None:
    args = {
        "cell_items": world.cell.pk,
        "meeting_items": march.pk,
        "meeting_review": review_meeting.pk,
    }[page]
    url = _url(page, args)
    _items(world, march, review_meeting, 2)
    sec.get(url)
    with CaptureQueriesContext(connection) as two:
        assert sec.get(url).status_code == 200
    _items(world, march, review_meeting, 8)  # 10 in all
    with django_assert_num_queries(len(two)):
        response = sec.get(url)
    assert response.content.decode().count("Việc 07") >= 1


# --- A meeting's items -------------------------------------------------------------------------
def test_meeting_items_shows_the_resolution_and_adds_an_item(world, sec, march) -> None:
    with scopes_disabled():
        meetings.resolution_save(
            actor=None,
            meeting=Meeting.objects.get(pk=march.pk),
            data=meetings.ResolutionData("Tháng 4: làm đường bê tông; thu quỹ", votes_for=2),
        )
    url = _url("meeting_items", march.pk)
    html = sec.get(url).content.decode()
    assert "Tháng 4: làm đường bê tông; thu quỹ" in html
    assert "Add an item from the resolution" in html
    assert f'value="{world.plain_member.pk}"' in _section(html, "items")
    assert _url("meeting_review", march.pk) in html
    response = sec.post(url, _item_post(owners=[str(world.plain_member.pk)]))
    assert response.status_code == 302
    assert response["Location"] == f"{url}#items"
    with scopes_disabled():
        item = ActionItem.objects.get(source_meeting=march)
        assert [o.member_id for o in ActionOwner.objects.filter(item=item)] == [
            world.plain_member.pk
        ]
    assert item.origin == Origin.RESOLUTION
    assert item.due_date == D(2025, 4, 30)
    (entry,) = _audit("action_item.created", item)
    assert entry.actor_id == world.secretary.pk
    assert entry.changes["owners"] == [None, [world.plain_member.pk]]
    html = sec.get(url).content.decode()
    assert "Vận động các hộ làm đường bê tông" in _section(html, "items")
    assert "Due 30/04/2025" in html


def test_meeting_items_with_htmx_returns_the_list_and_a_fresh_form(world, sec, march) -> None:
    response = sec.post(
        _url("meeting_items", march.pk),
        _item_post(title="Thu quỹ khuyến học", owners=[str(world.secretary_member.pk)]),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith("<section")
    assert "Thu quỹ khuyến học" in html
    assert "The action item has been added." in html
    assert 'name="title" value=' not in html  # a fresh form


@pytest.mark.parametrize(
    ("post", "message"),
    [
        (
            {"due_date": "2025-03-09"},
            "The due date (09/03/2025) cannot be before the day the item was created (10/03/2025).",
        ),
        ({"owners": []}, "Name at least one member who will do it."),
    ],
)
def test_meeting_items_bad_input_shows_the_message(world, sec, march, post, message) -> None:
    data = _item_post(owners=[str(world.plain_member.pk)])
    data.update(post)
    for headers in ({}, {"HX-Request": "true"}):
        response = sec.post(_url("meeting_items", march.pk), data, headers=headers)
        assert response.status_code == 200
        assert message in response.content.decode()
    with scopes_disabled():
        assert not ActionItem.objects.exists()


def test_meeting_items_of_a_meeting_not_held_offers_no_form(world, sec) -> None:
    planned = meeting_on(world.cell, D(2025, 3, 20))
    url = _url("meeting_items", planned.pk)
    html = sec.get(url).content.decode()
    assert 'id="not-held"' in html
    assert "Add an item from the resolution" not in html
    response = sec.post(url, _item_post(owners=[str(world.plain_member.pk)]))
    assert response.status_code == 200
    assert "Only a meeting that was held can decide or review action items." in (
        response.content.decode()
    )
    with scopes_disabled():
        assert not ActionItem.objects.exists()
    html = sec.get(_url("meeting_review", planned.pk)).content.decode()
    assert 'id="not-held"' in html


def test_the_meeting_pages_link_to_the_items(world, sec, member, march) -> None:
    items = _url("meeting_items", march.pk)
    html = member.get(reverse("meetings:detail", args=[march.pk])).content.decode()
    assert items in html
    html = sec.get(reverse("meetings:minutes", args=[march.pk])).content.decode()
    assert items in html
    assert _url("meeting_review", march.pk) in html
    planned = meeting_on(world.cell, D(2025, 3, 20))
    html = sec.get(reverse("meetings:minutes", args=[planned.pk])).content.decode()
    assert _url("meeting_review", planned.pk) not in html


# --- Guidance and documents --------------------------------------------------------------------
def test_guidance_item_without_an_owner_is_listed_as_needing_one(world, sec) -> None:
    url = _url("guidance_add", world.cell.pk)
    assert "May stay empty" in sec.get(url).content.decode()
    response = sec.post(url, _item_post(title="Rà soát hộ nghèo"))
    with scopes_disabled():
        item = ActionItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("item", item.pk)
    assert item.origin == Origin.GUIDANCE
    html = sec.get(_url("item", item.pk)).content.decode()
    assert "No owner yet: the cell has to name one." in html
    assert "Guidance of the commune" in html
    html = sec.get(_url("cell_items", world.cell.pk)).content.decode()
    assert "Needs reassignment" in html


def test_document_item_needs_its_number_and_may_name_a_held_meeting(world, sec, march) -> None:
    planned = meeting_on(world.cell, D(2025, 3, 20))
    url = _url("document_add", world.cell.pk)
    html = sec.get(url).content.decode()
    select = html[html.index('name="meeting"') :].split("</select>")[0]
    assert f'value="{march.pk}"' in select
    assert "08/03/2025" in select
    assert f'value="{planned.pk}"' not in select
    owners = [str(world.plain_member.pk)]
    response = sec.post(url, _item_post(owners=owners, meeting=str(march.pk)))
    assert response.status_code == 200
    assert "Give the number of the document from above." in response.content.decode()
    response = sec.post(url, _item_post(owners=owners, meeting=str(planned.pk)))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = sec.post(
        url,
        _item_post(
            owners=owners,
            meeting=str(march.pk),
            document_reference="42-HD/BTCTW",
            document_date="2025-03-01",
        ),
    )
    assert response.status_code == 302
    with scopes_disabled():
        item = ActionItem.objects.get()
    assert (item.origin, item.source_meeting_id) == (Origin.DOCUMENT, march.pk)
    html = sec.get(_url("item", item.pk)).content.decode()
    assert "42-HD/BTCTW (01/03/2025)" in html
    assert _url("meeting_items", march.pk) in html


# --- One item ----------------------------------------------------------------------------------
def test_item_page_shows_owners_before_and_now_and_the_history_oldest_first(
    world, sec, client_en, march, review_meeting
) -> None:
    item = resolution_item(march, [world.plain_member], D(2025, 3, 31))
    _review(item, review_meeting, "in_progress", "Đã có xi măng")
    response = sec.post(
        _url("item_edit", item.pk),
        _item_post(title=item.title, owners=[str(world.secretary_member.pk)]),
    )
    assert response.status_code == 302
    report = client_en(world.secretary).post(
        _url("item_report", item.pk), {"outcome": "done", "note": "Đã đổ xong bê tông"}
    )
    assert report.status_code == 302
    html = sec.get(_url("item", item.pk)).content.decode()
    owners = _section(html, "owners")
    current, before = owners.split("Owners before")
    assert "Lò Văn Piếng" in current
    assert "since 10/03/2025" in current
    assert "Tòng Thị Ánh" in before
    assert "08/03/2025 – 10/03/2025" in before
    history = _section(html, "history")
    assert history.index("Đã có xi măng") < history.index("Đã đổ xong bê tông")
    assert "at the meeting of 09/03/2025" in history
    assert "Reported done" in history
    assert "Reported by Lò Văn Piếng" in history
    assert "Recorded by" in history
    assert "Reported done, to confirm at the meeting" in html
    assert _url("item_edit", item.pk) in html
    # The new owner has the report form; the former one does not.
    assert 'id="report"' in html
    html = client_en(world.member_user).get(_url("item", item.pk)).content.decode()
    assert 'id="report"' not in html
    assert _url("item_edit", item.pk) not in html


def test_item_edit_saves_audits_and_refuses_bad_dates_and_closed_items(
    world, sec, march, review_meeting
) -> None:
    item = resolution_item(march, [world.plain_member], D(2025, 3, 31))
    url = _url("item_edit", item.pk)
    html = sec.get(url).content.decode()
    assert 'value="2025-03-31"' in html
    assert re.search(
        rf'value="{world.plain_member.pk}"[^>]*checked', _section(html, "owners", "</fieldset>")
    )
    response = sec.post(
        url, _item_post(title=item.title, due_date="2025-03-01", owners=[world.plain_member.pk])
    )
    assert response.status_code == 200
    assert "cannot be before the day the item was created (08/03/2025)" in (
        response.content.decode()
    )
    response = sec.post(
        url,
        _item_post(title="Làm xong đường", due_date="2025-04-15", owners=[world.plain_member.pk]),
    )
    assert response["Location"] == _url("item", item.pk)
    fresh = _item(item.pk)
    assert (fresh.title, fresh.due_date) == ("Làm xong đường", D(2025, 4, 15))
    (entry,) = _audit("action_item.changed", item)
    assert entry.changes["due_date"] == ["2025-03-31", "2025-04-15"]
    _review(fresh, review_meeting, "done")
    html = sec.get(url).content.decode()
    assert 'id="closed"' in html
    response = sec.post(url, _item_post(title="Đổi", owners=[world.plain_member.pk]))
    assert response.status_code == 200
    assert "This item is closed (Done): it does not change any more." in response.content.decode()
    assert _item(item.pk).title == "Làm xong đường"


# --- The owner's report ------------------------------------------------------------------------
def test_owner_reports_from_the_home_page_and_the_meeting_sees_it(
    world, member, sec, march, review_meeting
) -> None:
    item = resolution_item(march, [world.plain_member], D(2025, 3, 9), title="Phát quang")
    html = member.get(reverse("home")).content.decode()
    tasks = _section(html, "my-tasks")
    assert "Phát quang" in tasks
    assert "Due 09/03/2025" in tasks
    assert "Overdue" in tasks
    assert _url("item_report", item.pk) in tasks
    url = _url("item_report", item.pk)
    response = member.post(url, {"outcome": "done", "note": "", "next": "/"})
    assert response.status_code == 200
    assert "Say what was done." in response.content.decode()
    response = member.post(url, {"outcome": "done", "note": "Đã phát quang 2 km", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _item(item.pk).status == ItemStatus.REPORTED_DONE
    with scopes_disabled():
        (report,) = ActionReview.objects.filter(item=item)
    assert (report.reported_by_id, report.meeting_id) == (world.plain_member.pk, None)
    assert len(_audit("action_item.reviewed", item)) == 1
    assert (
        "Reported done, to confirm at the meeting" in member.get(reverse("home")).content.decode()
    )
    html = member.get(_url("item", item.pk)).content.decode()
    assert "Đã phát quang 2 km" in _section(html, "history")
    # On the review screen of the next meeting: reported done, by the owner.
    card = _section(
        sec.get(_url("meeting_review", review_meeting.pk)).content.decode(), f"item-{item.pk}"
    )
    assert "Reported done (10/03/2025, Tòng Thị Ánh): Đã phát quang 2 km" in card


def test_report_refuses_non_owners_and_foreign_next_pages(world, client_en, march) -> None:
    item = resolution_item(march, [world.plain_member], D(2025, 3, 31))
    url = _url("item_report", item.pk)
    data = {"outcome": "in_progress", "note": "Đang làm"}
    # The secretary sees the item but does not own it: the service's message.
    response = client_en(world.secretary).post(url, data)
    assert response.status_code == 200
    assert "Lò Văn Piếng is not an owner of this item." in response.content.decode()
    # The commune's user has no member record at all.
    response = client_en(world.commune_user).post(url, data)
    assert response.status_code == 200
    assert "Only an owner of the item can report on it." in response.content.decode()
    response = client_en(world.outsider).post(url, data)
    assert response.status_code == 404
    # An owner asking to go back elsewhere goes back to the item.
    response = client_en(world.member_user).post(url, {**data, "next": "//evil.example/"})
    assert response["Location"] == _url("item", item.pk)
    response = client_en(world.member_user).post(url, {**data, "outcome": "dropped"})
    assert response.status_code == 200
    with scopes_disabled():
        assert ActionReview.objects.filter(item=item).count() == 1


# --- The review at the meeting -----------------------------------------------------------------
def test_review_saves_several_rows_at_once(world, sec, march, review_meeting) -> None:
    # Overdue on the day of the meeting that reviews it (09/03).
    road = resolution_item(march, [world.plain_member], D(2025, 3, 8), title="Làm đường")
    fund = resolution_item(march, [world.secretary_member], D(2025, 3, 31), title="Thu quỹ")
    school = resolution_item(march, [world.plain_member], D(2025, 3, 31), title="Trường học")
    rest = resolution_item(march, [world.plain_member], D(2025, 3, 31), title="Chưa xét")
    url = _url("meeting_review", review_meeting.pk)
    html = sec.get(url).content.decode()
    for one in (road, fund, school, rest):
        assert f'id="item-{one.pk}"' in html
    assert "Overdue" in _section(html, f"item-{road.pk}")
    assert "Overdue" not in _section(html, f"item-{fund.pk}")
    response = sec.post(
        url,
        {
            f"outcome_{road.pk}": "not_done",
            f"note_{road.pk}": "Thiếu xi măng",
            f"outcome_{fund.pk}": "done",
            f"note_{fund.pk}": "",
            f"outcome_{school.pk}": "in_progress",
            f"outcome_{rest.pk}": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url
    statuses = {i: _item(i.pk).status for i in (road, fund, school, rest)}
    assert statuses == {
        road: ItemStatus.NOT_DONE,
        fund: ItemStatus.DONE,
        school: ItemStatus.IN_PROGRESS,
        rest: ItemStatus.OPEN,
    }
    with scopes_disabled():
        assert ActionReview.objects.filter(meeting=review_meeting).count() == 3
        assert AuditEntry.objects.filter(action="action_item.reviewed").count() == 3
    html = sec.get(url).content.decode()
    # The closed one is gone from the cards but listed as recorded here; the others show it.
    assert f'id="item-{fund.pk}"' not in html
    assert "Thu quỹ" in _section(html, "recorded")
    road_card = _section(html, f"item-{road.pk}")
    assert "Reviewed at this meeting" in road_card
    assert "Thiếu xi măng" in road_card
    assert "carried over 1 time" in road_card
    assert "3 reviews have been recorded." in html


def test_review_refuses_every_row_when_one_is_bad(world, sec, march, review_meeting) -> None:
    road = resolution_item(march, [world.plain_member], D(2025, 3, 31), title="Làm đường")
    fund = resolution_item(march, [world.secretary_member], D(2025, 3, 31), title="Thu quỹ")
    url = _url("meeting_review", review_meeting.pk)
    response = sec.post(
        url,
        {
            f"outcome_{road.pk}": "done",
            f"outcome_{fund.pk}": "dropped",
            f"note_{fund.pk}": "",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    message = "Say why: a task not done or withdrawn needs a note."
    # A summary above the cards: on a long list the refused row may be far down.
    summary = html.index("Nothing was saved: correct the items marked below.")
    assert summary < html.index(f'id="item-{road.pk}"')
    assert message in _section(html, f"item-{fund.pk}")
    assert message not in _section(html, f"item-{road.pk}")
    # What was chosen stays chosen, to correct the one row and save again.
    assert re.search(r'value="done"[^>]*checked', _section(html, f"item-{road.pk}"))
    with scopes_disabled():
        assert not ActionReview.objects.exists()
        assert not AuditEntry.objects.filter(action="action_item.reviewed").exists()
    assert _item(road.pk).status == ItemStatus.OPEN
    response = sec.post(url, {f"outcome_{road.pk}": "", f"outcome_{fund.pk}": ""})
    assert response.status_code == 200
    assert "Choose how at least one item stands." in response.content.decode()


def test_review_at_the_deciding_meeting_is_refused_on_its_row(world, sec, march) -> None:
    """The items of a meeting are not on its own review; one decided later than the meeting
    being reviewed is refused with the service's message."""
    item = resolution_item(march, [world.plain_member], D(2025, 3, 31))
    assert f'id="item-{item.pk}"' not in sec.get(_url("meeting_review", march.pk)).content.decode()
    earlier = held_meeting(world.cell, D(2025, 3, 1))
    response = sec.post(_url("meeting_review", earlier.pk), {f"outcome_{item.pk}": "done"})
    assert response.status_code == 200
    assert "That meeting was held before the item was created." in _section(
        response.content.decode(), f"item-{item.pk}"
    )
    assert _item(item.pk).status == ItemStatus.OPEN


# --- Who may do what ---------------------------------------------------------------------------
def test_plain_member_reads_but_cannot_change(world, member, march, review_meeting) -> None:
    item = resolution_item(march, [world.plain_member], D(2025, 3, 31))
    html = member.get(_url("meeting_items", march.pk)).content.decode()
    assert item.title in html
    assert "Add an item from the resolution" not in html
    assert _url("meeting_review", march.pk) not in html
    assert member.get(_url("item", item.pk)).status_code == 200
    for url in (
        _url("guidance_add", world.cell.pk),
        _url("document_add", world.cell.pk),
        _url("item_edit", item.pk),
        _url("meeting_review", review_meeting.pk),
    ):
        assert member.get(url).status_code == 404
        assert member.post(url, _item_post(owners=[world.plain_member.pk])).status_code == 404
    response = member.post(
        _url("meeting_items", march.pk), _item_post(owners=[world.plain_member.pk])
    )
    assert response.status_code == 404
    response = member.post(
        _url("meeting_review", review_meeting.pk), {f"outcome_{item.pk}": "done"}
    )
    assert response.status_code == 404
    with scopes_disabled():
        assert ActionItem.objects.count() == 1
        assert not ActionReview.objects.exists()


def test_another_commune_gets_404_on_every_page(world, client_en, march, review_meeting) -> None:
    item = resolution_item(march, [world.plain_member], D(2025, 3, 31))
    outsider = client_en(world.outsider)
    urls = [
        _url("cell_items", world.cell.pk),
        _url("guidance_add", world.cell.pk),
        _url("document_add", world.cell.pk),
        _url("meeting_items", march.pk),
        _url("meeting_review", review_meeting.pk),
        _url("item", item.pk),
        _url("item_edit", item.pk),
        _url("item_report", item.pk),
    ]
    for url in urls:
        assert outsider.get(url).status_code == 404, url
        assert outsider.post(url, {"outcome": "done", "note": "x"}).status_code == 404, url
    assert outsider.get(_url("item", 99999999999999999999)).status_code == 404


# --- My tasks on the home page -----------------------------------------------------------------
def test_home_tasks_answer_in_a_constant_number_of_queries(world, member, client_en, march) -> None:
    html = member.get(reverse("home")).content.decode()
    assert 'id="my-tasks"' not in html  # nothing to do yet
    resolution_item(march, [world.plain_member], D(2025, 3, 31), title="Việc một")
    member.get(reverse("home"))
    with CaptureQueriesContext(connection) as one:
        html = member.get(reverse("home")).content.decode()
    assert "Việc một" in _section(html, "my-tasks")
    for i in range(6):
        resolution_item(
            march, [world.plain_member, world.secretary_member], D(2025, 4, 1 + i), title=f"T{i}"
        )
    with CaptureQueriesContext(connection) as seven:
        html = member.get(reverse("home")).content.decode()
    assert _section(html, "my-tasks").count("<details>") == 7
    assert len(seven) == len(one)
    # A user without a member record (the commune) has no tasks of their own.
    assert (
        'id="my-tasks"' not in client_en(world.commune_user).get(reverse("home")).content.decode()
    )


def test_meeting_items_offers_the_roll_of_today_not_of_the_meeting(world, sec, march) -> None:
    """The service gives a task only to someone on the roll the day it is written: a member
    who left since the meeting is not offered (they would be refused)."""
    from chibo.members.lifecycle import EventData, member_event_add
    from chibo.members.models import EventKind

    with scopes_disabled():
        member_event_add(
            actor=None,
            member=world.plain_member,
            data=EventData(kind=EventKind.TRANSFER_OUT, date=D(2025, 3, 9), other_cell=world.cell2),
        )
    html = sec.get(_url("meeting_items", march.pk)).content.decode()
    assert f'value="{world.plain_member.pk}"' not in html
    assert f'value="{world.secretary_member.pk}"' in html
