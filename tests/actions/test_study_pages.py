"""The study-session pages: record a study of a document from above, add the plan's steps, and
the commune's "studied but not implemented"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.actions import services, studies
from chibo.actions.models import ActionItem, DocumentStudy, Origin
from chibo.core.models import AuditEntry
from tests.actions.factories import at, held_meeting
from tests.factories import make_member, make_unit

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2025, 6, 2)


def _study(cell, reference: str, day: dt.date, attendees=()) -> DocumentStudy:
    with scopes_disabled(), at(day):
        return studies.document_study_record(
            actor=None, cell=cell, data=studies.StudyData(reference, day, tuple(attendees))
        )


def test_the_secretary_records_a_study_at_a_meeting(world, client_en) -> None:
    meeting = held_meeting(world.cell, D(2025, 5, 8))
    client = client_en(world.secretary)
    url = reverse("actions:study_add", args=[world.cell.pk])
    with at(TODAY):
        page = client.get(url)
        assert page.status_code == 200
        assert f'value="{meeting.pk}"' in page.content.decode()
        assert "Tòng Thị Ánh" in page.content.decode()  # the roll, to tick who attended
        response = client.post(
            url,
            {
                "document_reference": "57 - nq/tw",
                "document_title": "Về đột phá phát triển khoa học",
                "meeting": str(meeting.pk),
                "attendees": [str(world.plain_member.pk), str(world.secretary_member.pk)],
            },
        )
    assert response.status_code == 302
    with scopes_disabled():
        study = DocumentStudy.objects.get()
        assert (study.document_reference, study.date, study.meeting) == (
            "57-NQ/TW",
            D(2025, 5, 8),
            meeting,
        )
        assert study.attendees.count() == 2
        assert study.created_by == world.secretary
        assert AuditEntry.objects.filter(action="document_study.recorded").count() == 1
    with at(TODAY):
        listing = client.get(reverse("actions:studies", args=[world.cell.pk])).content.decode()
    assert "57-NQ/TW" in listing
    assert "No local plan yet" in listing
    assert "2 members attended" in listing


def test_bad_input_is_shown_in_the_form(world, client_en) -> None:
    client = client_en(world.secretary)
    url = reverse("actions:study_add", args=[world.cell.pk])
    with at(TODAY):
        missing = client.post(url, {"document_reference": "35-CT/TW"})
        future = client.post(url, {"document_reference": "35-CT/TW", "date": "2025-06-10"})
        early = client.post(
            url,
            {"document_reference": "35-CT/TW", "date": "2025-05-01", "document_date": "2025-05-20"},
        )
        stranger = client.post(
            url,
            {"document_reference": "35-CT/TW", "date": "2025-05-01", "attendees": ["999999"]},
        )
    for response, text in (
        (missing, "Give the date of the study, or choose the meeting."),
        (future, "A study session cannot be in the future."),
        (early, "cannot be before the document"),
        (stranger, "Select a valid choice"),
    ):
        assert response.status_code == 200
        assert text in response.content.decode()
    with scopes_disabled():
        assert not DocumentStudy.objects.exists()


def test_a_step_of_the_plan_becomes_a_document_item(world, client_en) -> None:
    study = _study(world.cell, "57-NQ/TW", D(2025, 5, 20), [world.plain_member])
    client = client_en(world.secretary)
    url = reverse("actions:study_plan_add", args=[study.pk])
    with at(TODAY):
        no_owner = client.post(url, {"title": "Ứng dụng công nghệ", "due_date": "2025-07-01"})
        assert no_owner.status_code == 200
        assert "This field is required" in no_owner.content.decode()
        response = client.post(
            url,
            {
                "title": "Hướng dẫn bà con dùng dịch vụ công trực tuyến",
                "due_date": "2025-07-31",
                "owners": [str(world.plain_member.pk)],
            },
        )
    assert response.status_code == 302
    with scopes_disabled():
        item = ActionItem.objects.get()
    assert (item.origin, item.document_reference, item.cell) == (
        Origin.DOCUMENT,
        "57-NQ/TW",
        world.cell,
    )
    with scopes_disabled():
        assert list(item.owners.all()) == [world.plain_member]
    with at(TODAY):
        listing = client_en(world.member_user).get(reverse("actions:studies", args=[world.cell.pk]))
    text = listing.content.decode()
    assert "Hướng dẫn bà con dùng dịch vụ công trực tuyến" in text
    assert "No local plan yet" not in text
    # A plain member reads the page but is offered nothing to change.
    assert reverse("actions:study_add", args=[world.cell.pk]) not in text
    assert reverse("actions:study_plan_add", args=[study.pk]) not in text


def test_the_due_date_is_checked_by_the_service(world, client_en) -> None:
    study = _study(world.cell, "57-NQ/TW", D(2025, 5, 20), [world.plain_member])
    with at(TODAY):
        refused = client_en(world.secretary).post(
            reverse("actions:study_plan_add", args=[study.pk]),
            {"title": "Việc", "due_date": "2025-05-01", "owners": [str(world.plain_member.pk)]},
        )
    assert refused.status_code == 200
    assert "cannot be before the day the item was created" in refused.content.decode()


def test_the_commune_sees_cells_that_studied_without_a_plan(
    world, client_en, django_assert_num_queries
) -> None:
    _study(world.cell, "57-NQ/TW", D(2025, 5, 20))
    _study(world.cell2, "57-NQ/TW", D(2025, 5, 21))
    with scopes_disabled(), at(D(2025, 5, 22)):
        services.action_item_for_document(
            actor=None,
            cell=world.cell,
            data=services.ItemData(
                "Kế hoạch", D(2025, 7, 1), (world.plain_member,), document_reference="57-NQ/TW"
            ),
        )
    client = client_en(world.commune_user)
    url = reverse("actions:commune_documents", args=[world.commune.pk])
    with at(TODAY):
        client.get(url)  # warm the session and the translations
        with django_assert_num_queries(7):
            page = client.get(url).content.decode()
        for n in range(3):
            cell = make_unit(world.commune, f"Chi bộ bản Thêm {n}", "cell")
            _study(cell, f"{n}-HD/TU", D(2025, 5, 1), [make_member(cell, f"Lò Văn Thêm {n}")])
        with django_assert_num_queries(7):
            more = client.get(url).content.decode()
    assert "Studied, no plan:" in page
    studied_no_plan = page.split("Studied, no plan:")[1].split("</p>")[0]
    assert world.cell2.name in studied_no_plan
    assert world.cell.name not in studied_no_plan
    assert "Cells that studied it: 2; with a local plan: 1." in page
    assert "0-HD/TU" in more
    this_year = client.get(url + "?year=2024").content.decode()
    assert "No cell has recorded a document from above yet." in this_year
    assert client.get(url + "?year=abc").status_code == 200


def test_the_pages_answer_404_for_a_unit_of_the_wrong_kind(world, client_en) -> None:
    client = client_en(world.commune_user)
    assert client.get(reverse("actions:studies", args=[world.commune.pk])).status_code == 404
    assert client.get(reverse("actions:study_add", args=[world.commune.pk])).status_code == 404
    cell_page = reverse("actions:commune_documents", args=[world.cell.pk])
    assert client.get(cell_page).status_code == 404
