"""Planning: the fixed day, the year's regular meetings, other meetings, quarter warnings,
editing with a version, and the agenda from a template."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from chibo.core.models import AuditEntry
from chibo.meetings import selectors, services
from chibo.meetings.models import (
    AgendaItem,
    AgendaSource,
    AgendaStep,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from tests.meetings.factories import meeting_on

pytestmark = pytest.mark.django_db
D = dt.date


def test_day_of_month_gives_twelve_meetings_and_planning_again_creates_nothing(world, sd) -> None:
    services.meeting_day_set(
        actor=None, cell=world.cell, rule="day", day=3, time=dt.time(19, 30), place="Nhà văn hóa"
    )
    created = services.plan_year(actor=None, cell=world.cell, year=2025)
    assert [m.planned_date for m in created] == [D(2025, month, 3) for month in range(1, 13)]
    assert {m.place for m in created} == {"Nhà văn hóa"}
    assert all(m.fixed_date == m.planned_date for m in created)
    assert services.plan_year(actor=None, cell=world.cell, year=2025) == []
    assert Meeting.objects.filter(cell=world.cell).count() == 12
    assert AuditEntry.objects.filter(action="meeting.year_planned").count() == 1


def test_a_month_planned_by_hand_is_kept(world, sd) -> None:
    services.meeting_day_set(actor=None, cell=world.cell, rule="day", day=10)
    services.plan_year(actor=None, cell=world.cell, year=2025)
    Meeting.objects.filter(cell=world.cell, month=D(2025, 5, 1)).delete()
    again = services.plan_year(actor=None, cell=world.cell, year=2025)
    assert [m.month for m in again] == [D(2025, 5, 1)]


def test_first_week_is_the_first_working_day(world, sd) -> None:
    services.meeting_day_set(actor=None, cell=world.cell, rule="first_week")
    dates = [m.planned_date for m in services.plan_year(actor=None, cell=world.cell, year=2025)]
    assert dates[0] == D(2025, 1, 2)  # 1 January is a holiday
    assert dates[1] == D(2025, 2, 3)  # Tết to 2 February, then a weekend
    assert dates[8] == D(2025, 9, 3)  # National Day 1–2 September
    assert all(d.weekday() < 5 for d in dates)


@pytest.mark.parametrize(
    ("rule", "day", "code"), [("day", 31, "invalid_day"), ("x", 1, "invalid_rule")]
)
def test_invalid_meeting_days_are_refused(world, sd, rule, day, code) -> None:
    with pytest.raises(ValidationError) as error:
        services.meeting_day_set(actor=None, cell=world.cell, rule=rule, day=day)
    assert error.value.code == code


def test_planning_needs_the_fixed_day_and_a_cell(world, sd) -> None:
    with pytest.raises(ValidationError) as error:
        services.plan_year(actor=None, cell=world.cell, year=2025)
    assert error.value.code == "no_meeting_day"
    with pytest.raises(ValidationError) as error:
        services.meeting_day_set(actor=None, cell=world.commune, rule="first_week")
    assert error.value.code == "not_a_cell"


def test_thematic_meeting_needs_a_topic_and_regular_ones_are_planned(world, sd) -> None:
    with pytest.raises(ValidationError) as error:
        meeting_on(world.cell, D(2025, 2, 20), MeetingKind.THEMATIC)
    assert error.value.code == "topic_required"
    with pytest.raises(ValidationError) as error:
        meeting_on(world.cell, D(2025, 2, 20), MeetingKind.REGULAR)
    assert error.value.code == "invalid_kind"


def test_quarter_warnings(world, sd) -> None:
    meeting_on(world.cell, D(2025, 2, 20), MeetingKind.THEMATIC, topic="Nghị quyết 57")
    cancelled = meeting_on(world.cell, D(2025, 5, 20), MeetingKind.THEMATIC, topic="Chuyển đổi số")
    services.meeting_cancel(actor=None, meeting=cancelled, reason="Mưa lũ")
    services.meeting_day_set(actor=None, cell=world.cell, rule="day", day=5)
    services.plan_year(actor=None, cell=world.cell, year=2025)
    october = Meeting.objects.get(cell=world.cell, month=D(2025, 10, 1))
    data = replace(services.MeetingData.of(october), includes_thematic=True, topic="Dân vận")
    services.meeting_update(actor=None, meeting=october, data=data, version=october.version)
    assert selectors.quarter_warnings(world.cell, 2025) == [2, 3]
    assert selectors.quarter_warnings(world.cell2, 2025) == [1, 2, 3, 4]


def test_update_checks_the_version_and_marks_held(world, sd) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    data = replace(services.MeetingData.of(meeting), place="Nhà bác Piếng")
    saved = services.meeting_update(actor=None, meeting=meeting, data=data, version=1)
    assert saved.version == 2
    with pytest.raises(ValidationError) as error:
        services.meeting_update(actor=None, meeting=meeting, data=data, version=1)
    assert error.value.code == "stale"
    start = dt.datetime(2025, 3, 8, 19, tzinfo=dt.UTC)
    held = replace(data, held_start=start, held_end=start - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError) as error:
        services.meeting_update(actor=None, meeting=meeting, data=held, version=2)
    assert error.value.code == "end_before_start"
    held = replace(held, held_end=start + dt.timedelta(minutes=95))
    saved = services.meeting_update(actor=None, meeting=meeting, data=held, version=2)
    assert saved.status == MeetingStatus.HELD
    assert saved.duration_minutes == 95


def test_chair_must_be_in_the_cell(world, sd) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    data = replace(services.MeetingData.of(meeting), chair=world.other_member)
    with pytest.raises(ValidationError) as error:
        services.meeting_update(actor=None, meeting=meeting, data=data, version=1)
    assert error.value.code == "not_eligible"


def test_agenda_follows_the_three_steps(world, sd) -> None:
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    items = services.agenda_from_template(
        actor=None,
        meeting=meeting,
        documents=[services.AgendaEntry("Hướng dẫn về sinh hoạt chi bộ", reference="42-HD/BTCTW")],
        local_issues=[services.AgendaEntry("Sửa đường nội bản")],
    )
    steps = [i.step for i in items]
    assert steps == sorted(
        steps, key=[AgendaStep.OPENING, AgendaStep.CONTENT, AgendaStep.CONCLUSION].index
    )
    sources = [i.source for i in items]
    assert sources.index(AgendaSource.DOCUMENT) < sources.index(AgendaSource.LOCAL_ISSUE)
    # New items come before next month's tasks.
    assert items[-3].title == gettext("Next month's tasks")
    assert [i.order for i in items] == list(range(1, len(items) + 1))
    # Built again: replaced, not added.
    services.agenda_from_template(actor=None, meeting=meeting)
    assert AgendaItem.objects.filter(meeting=meeting).count() == 7


def test_templates_from_the_commune_and_model_cells(world, sd) -> None:
    commune_template = services.agenda_template_save(
        actor=None,
        owner=world.commune,
        title="Mẫu của xã",
        items=[{"step": "content", "title": "Kiểm điểm việc học tập nghị quyết"}],
        is_published=True,
    )
    with pytest.raises(ValidationError) as error:
        services.agenda_template_save(
            actor=None, owner=world.cell2, title="Mẫu", items=[], is_published=True
        )
    assert error.value.code == "cannot_publish"
    services.model_cell_mark(
        actor=None, commune=world.commune, cell=world.cell2, since=D(2025, 1, 1)
    )
    model = services.agenda_template_save(
        actor=None, owner=world.cell2, title="Mẫu chi bộ điểm", items=[], is_published=True
    )
    foreign = services.agenda_template_save(
        actor=None, owner=world.other_commune, title="Xã khác", items=[], is_published=True
    )
    available = {t.pk for t in selectors.templates_available(world.cell)}
    assert available == {commune_template.pk, model.pk}
    meeting = meeting_on(world.cell, D(2025, 3, 8))
    items = services.agenda_from_template(actor=None, meeting=meeting, template=commune_template)
    assert "Kiểm điểm việc học tập nghị quyết" in [i.title for i in items]
    assert items[0].step == AgendaStep.OPENING
    assert items[-1].step == AgendaStep.CONCLUSION
    with pytest.raises(ValidationError) as error:
        services.agenda_from_template(actor=None, meeting=meeting, template=foreign)
    assert error.value.code == "template_not_available"
    with pytest.raises(ValidationError) as error:
        services.agenda_template_save(
            actor=None, owner=world.cell, title="x", items=[{"step": "middle", "title": "y"}]
        )
    assert error.value.code == "invalid_items"
