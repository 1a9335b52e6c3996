"""Study sessions of documents from above and the commune's "disseminated but not implemented"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_scopes import ScopeError, scopes_disabled

from chibo.actions import services, studies
from chibo.actions.models import DocumentStudy
from chibo.core.access import access_for_user
from chibo.core.models import AuditEntry
from tests.actions.factories import at, held_meeting
from tests.factories import make_member, make_unit
from tests.meetings.factories import meeting_on

pytestmark = pytest.mark.django_db
D = dt.date


def _code(call) -> str:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.code


def _study(cell, reference: str, day: dt.date, attendees=(), **extra) -> DocumentStudy:
    with at(day):
        return studies.document_study_record(
            actor=None,
            cell=cell,
            data=studies.StudyData(reference, day, tuple(attendees), **extra),
        )


def _plan(cell, reference: str, day: dt.date, owner, title: str = "Kế hoạch thực hiện"):
    with at(day):
        return services.action_item_for_document(
            actor=None,
            cell=cell,
            data=services.ItemData(
                title=title,
                due_date=day + dt.timedelta(days=30),
                owners=(owner,),
                document_reference=reference,
            ),
        )


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("57-NQ/TW", "57-NQ/TW"),
        (" 57 - nq/tw ", "57-NQ/TW"),
        ("57–NQ / TW", "57-NQ/TW"),
        ("Chỉ thị  35-CT/TW", "CHỈ THỊ 35-CT/TW"),
    ],
)
def test_a_document_number_is_compared_folded(typed: str, key: str) -> None:
    assert studies.reference_key(typed) == key


def test_a_study_is_recorded_with_who_attended_and_audited(world, sd) -> None:
    study = _study(
        world.cell,
        "57 - nq/tw",
        D(2025, 3, 10),
        [world.secretary_member, world.plain_member],
        document_title="Về đột phá phát triển khoa học, công nghệ",
        document_date=D(2024, 12, 22),
    )
    assert study.document_reference == "57-NQ/TW"
    assert set(study.attendees.all()) == {world.secretary_member, world.plain_member}
    entry = AuditEntry.objects.get(action="document_study.recorded", object_id=str(study.pk))
    assert entry.unit_id == world.cell.pk
    assert entry.changes["attendees"] == [
        None,
        sorted([world.secretary_member.pk, world.plain_member.pk]),
    ]


def test_a_study_refuses_bad_dates_and_people_off_the_roll(world, sd) -> None:
    data = studies.StudyData

    def refused(given: studies.StudyData, cell=world.cell) -> str:
        return _code(lambda: studies.document_study_record(actor=None, cell=cell, data=given))

    with at(D(2025, 3, 10)):
        assert refused(data("", D(2025, 3, 1))) == "no_document"
        assert refused(data("35-CT/TW", D(2025, 3, 11))) == "future"
        early = data("35-CT/TW", D(2025, 3, 1), document_date=D(2025, 3, 5))
        assert refused(early) == "study_before_document"
        assert refused(data("35-CT/TW", D(2025, 3, 1), (world.other_member,))) == "not_on_roll"
        twice = data("35-CT/TW", D(2025, 3, 1), (world.plain_member, world.plain_member))
        assert refused(twice) == "duplicate_attendee"
        assert refused(data("35-CT/TW", D(2025, 3, 1)), world.commune) == "not_a_cell"
    assert not DocumentStudy.objects.exists()


def test_a_study_at_a_meeting_takes_its_date_and_must_be_of_the_cell(world, sd) -> None:
    meeting = held_meeting(world.cell, D(2025, 4, 5))
    study = _study(world.cell, "35-CT/TW", D(2025, 4, 20), meeting=meeting)
    assert (study.meeting, study.date) == (meeting, D(2025, 4, 5))
    other = held_meeting(world.cell2, D(2025, 4, 6))
    planned = meeting_on(world.cell, D(2025, 4, 25))
    with at(D(2025, 4, 20)):
        for meeting_, code in ((other, "wrong_cell"), (planned, "meeting_not_held")):
            data = studies.StudyData("35-CT/TW", D(2025, 4, 20), meeting=meeting_)
            assert (
                _code(
                    lambda data=data: studies.document_study_record(
                        actor=None, cell=world.cell, data=data
                    )
                )
                == code
            )


def test_updating_a_study_changes_who_attended_and_is_audited(world, sd) -> None:
    study = _study(world.cell, "35-CT/TW", D(2025, 3, 10), [world.plain_member])
    with at(D(2025, 3, 12)):
        studies.document_study_update(
            actor=None,
            study=study,
            data=studies.StudyData(
                "35-CT/TW", D(2025, 3, 10), (world.secretary_member,), notes="Học tập đầy đủ"
            ),
        )
    study.refresh_from_db()
    assert list(study.attendees.all()) == [world.secretary_member]
    entry = AuditEntry.objects.get(action="document_study.changed", object_id=str(study.pk))
    assert entry.changes["attendees"] == [[world.plain_member.pk], [world.secretary_member.pk]]
    assert entry.changes["notes"] == ["", "Học tập đầy đủ"]


def test_the_cells_documents_pair_studies_with_plans(world, sd, django_assert_num_queries) -> None:
    _study(world.cell, "57-NQ/TW", D(2025, 3, 10), [world.plain_member])
    _study(world.cell, "35-CT/TW", D(2025, 4, 10), [world.plain_member])
    _study(world.cell, "57 – NQ/TW", D(2025, 5, 10))  # studied again, typed differently
    _plan(world.cell, "57-nq/tw", D(2025, 3, 11), world.plain_member)
    _plan(world.cell, "123-KL/TW", D(2025, 6, 1), world.plain_member)  # a plan, no study yet
    with at(D(2025, 6, 2)), django_assert_num_queries(3):
        rows = studies.cell_documents(world.cell)
    by_ref = {row.reference: row for row in rows}
    assert [r.reference for r in rows] == ["57-NQ/TW", "35-CT/TW", "123-KL/TW"]
    assert len(by_ref["57-NQ/TW"].studies) == 2
    assert by_ref["57-NQ/TW"].implemented
    assert not by_ref["35-CT/TW"].implemented
    assert by_ref["123-KL/TW"].studies == []
    assert by_ref["123-KL/TW"].implemented
    study = by_ref["57-NQ/TW"].studies[-1]
    assert [i.title for i in studies.study_plan_items(study)] == ["Kế hoạch thực hiện"]


def _commune_rows(world, django_assert_num_queries) -> dict[str, studies.DocumentRow]:
    with at(D(2025, 6, 2)), django_assert_num_queries(3):
        rows = studies.commune_documents(world.commune)
    return {row.reference: row for row in rows}


def test_the_commune_sees_documents_studied_but_not_implemented(
    world, sd, django_assert_num_queries
) -> None:
    _study(world.cell, "57-NQ/TW", D(2025, 3, 10))
    _plan(world.cell, "57-NQ/TW", D(2025, 3, 11), world.plain_member)
    _study(world.cell2, "57-NQ/TW", D(2025, 3, 12))
    _study(world.other_cell, "57-NQ/TW", D(2025, 3, 12))  # another commune: not counted
    rows = _commune_rows(world, django_assert_num_queries)
    row = rows["57-NQ/TW"]
    assert set(row.studied) == {world.cell, world.cell2}
    assert row.planned == [world.cell]
    assert row.not_implemented == [world.cell2]
    assert row.not_studied == []
    assert (row.items, row.items_done) == (1, 0)
    # More cells and documents: still three queries.
    for n in range(4):
        cell = make_unit(world.commune, f"Chi bộ bản Thêm {n}", "cell")
        member = make_member(cell, f"Lò Văn Thêm {n}")
        _study(cell, f"{n}-HD/TU", D(2025, 4, 1), [member])
        if n % 2:
            _plan(cell, f"{n}-HD/TU", D(2025, 4, 2), member)
    rows = _commune_rows(world, django_assert_num_queries)
    assert len(rows) == 5
    assert [c.name for c in rows["1-HD/TU"].planned] == ["Chi bộ bản Thêm 1"]
    assert [c.name for c in rows["2-HD/TU"].not_implemented] == ["Chi bộ bản Thêm 2"]
    assert world.cell in rows["2-HD/TU"].not_studied


def test_studies_are_scoped_to_the_users_units(world) -> None:
    with scopes_disabled():
        study = _study(world.other_cell, "57-NQ/TW", D(2025, 3, 10))
    with pytest.raises(ScopeError):
        DocumentStudy.objects.count()
    with access_for_user(world.commune_user).activate():
        assert not DocumentStudy.objects.filter(pk=study.pk).exists()
        assert studies.commune_documents(world.commune) == []
    with access_for_user(world.outsider).activate():
        assert DocumentStudy.objects.filter(pk=study.pk).exists()
