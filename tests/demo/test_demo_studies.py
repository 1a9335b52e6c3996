"""The demo's study sessions of documents from above: each plan made at a meeting that studied
the document, attended by those present; some cells studied a document without a plan, so
the commune's page shows "disseminated but not implemented"."""

from __future__ import annotations

import pytest

from chibo.actions.models import ActionItem, DocumentStudy, Origin
from chibo.actions.studies import commune_documents, reference_key
from chibo.meetings.models import Attendance
from chibo.meetings.selectors import HELD_STATUSES, meeting_date
from chibo.orgunits.models import OrgUnit, UnitKind
from tests.demo.test_meetings_demo import _unscoped, demo  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_every_plan_has_its_study_at_the_meeting_that_made_it(demo) -> None:  # noqa: F811
    plans = ActionItem.objects.filter(origin=Origin.DOCUMENT, source_meeting__isnull=False)
    assert plans.exists()
    studies = {
        (s.cell_id, s.document_reference): s
        for s in DocumentStudy.objects.select_related("meeting")
    }
    for item in plans:
        study = studies[(item.cell_id, reference_key(item.document_reference))]
        assert study.meeting.cell_id == item.cell_id


def test_studies_follow_the_services_rules(demo) -> None:  # noqa: F811
    studies = list(DocumentStudy.objects.select_related("meeting").prefetch_related("attendees"))
    assert len(studies) > 10
    present = set(
        Attendance.objects.filter(
            meeting_id__in={s.meeting_id for s in studies}, category__in=("present", "late")
        ).values_list("meeting_id", "member_id")
    )
    with_people = 0
    for study in studies:
        assert study.meeting.cell_id == study.cell_id
        assert study.meeting.status in HELD_STATUSES
        assert study.date == meeting_date(study.meeting)
        assert study.document_reference == reference_key(study.document_reference)
        assert study.document_date is not None
        assert study.document_date <= study.date
        attendees = {m.pk for m in study.attendees.all()}
        assert {(study.meeting_id, pk) for pk in attendees} <= present
        with_people += bool(attendees)
    assert with_people == len(studies)


def test_the_commune_sees_documents_studied_but_not_implemented(demo) -> None:  # noqa: F811
    communes = OrgUnit.objects.filter(kind__in=(UnitKind.COMMUNE, UnitKind.GRASSROOTS))
    rows = [row for commune in communes for row in commune_documents(commune)]
    assert rows
    assert any(row.not_implemented for row in rows)
    assert any(row.planned for row in rows)
