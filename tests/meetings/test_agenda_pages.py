"""Agenda items deleted and moved, and the agenda-template pages of a commune and of a cell:
services (renumbering, the step's edges, locked meetings refuse, every change audited), pages
(GET/POST, form errors, who may keep templates, copy and adapt) and the list's query count.
(Scope of every page: tests/scope_rows/meetings.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.core.models import AuditEntry
from chibo.meetings import agenda, selectors, services
from chibo.meetings.models import (
    AgendaItem,
    AgendaSource,
    AgendaStep,
    AgendaTemplate,
    Meeting,
    MeetingKind,
    MeetingStatus,
    ModelCell,
    Speech,
)
from tests.meetings.factories import aware, meeting_on

pytestmark = pytest.mark.django_db
D = dt.date
CONTENT = AgendaStep.CONTENT


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(aware(D(2025, 3, 8), 9), tick=False):
        yield


@pytest.fixture
def commune(world, client_en):
    return client_en(world.commune_user)


def _built(world) -> tuple[Meeting, list[AgendaItem]]:
    """A meeting of the cell with the standard agenda (1 opening, 4 content, 2 conclusion)."""
    meeting = meeting_on(world.cell, D(2025, 3, 20))
    with scopes_disabled():
        items = services.agenda_from_template(actor=None, meeting=meeting)
    return meeting, items


def _agenda(meeting: Meeting) -> list[AgendaItem]:
    with scopes_disabled():
        return list(AgendaItem.objects.filter(meeting=meeting).order_by("order"))


def _lock(meeting: Meeting) -> None:
    with scopes_disabled():
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.LOCKED)


def _actions(action: str) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action=action))


def _commune_template(world, **extra) -> AgendaTemplate:
    with scopes_disabled():
        return agenda.agenda_template_save(
            actor=None,
            owner=world.commune,
            title=extra.pop("title", "Mẫu sinh hoạt thường kỳ của xã"),
            items=[
                {"step": "opening", "title": "Điểm danh"},
                {"step": "content", "title": "Học tập nghị quyết", "content": "Chỉ thị 50"},
                {"step": "content", "title": "Đường vào bản", "source": "local_issue"},
                {"step": "conclusion", "title": "Biểu quyết nghị quyết"},
            ],
            is_published=extra.pop("is_published", True),
            **extra,
        )


# --- Services: agenda items --------------------------------------------------------------------
def test_delete_renumbers_the_later_items_and_is_audited(world, sd) -> None:
    meeting, items = _built(world)
    gone = items[2]
    agenda.agenda_item_delete(actor=world.secretary, item=gone)
    left = _agenda(meeting)
    assert [i.order for i in left] == list(range(1, len(items)))
    assert gone.pk not in {i.pk for i in left}
    [entry] = _actions("meeting.agenda_item_deleted")
    assert entry.changes["title"] == [gone.title, None]
    assert entry.actor == world.secretary
    with pytest.raises(ValidationError) as error:
        agenda.agenda_item_delete(actor=None, item=gone)
    assert error.value.code == "not_found"


def test_an_item_with_speeches_is_not_deleted(world, sd) -> None:
    meeting, items = _built(world)
    Speech.objects.create(
        meeting=meeting, agenda_item=items[1], speaker_name="Lò Văn Piếng", text="Ý kiến", order=1
    )
    with pytest.raises(ValidationError) as error:
        agenda.agenda_item_delete(actor=None, item=items[1])
    assert error.value.code == "has_speeches"
    assert len(_agenda(meeting)) == len(items)


def test_move_swaps_with_the_neighbour_in_the_same_step_and_is_audited(world, sd) -> None:
    meeting, items = _built(world)
    content = [i for i in items if i.step == CONTENT]
    agenda.agenda_item_move(actor=None, item=content[1], direction="up")
    titles = [i.title for i in _agenda(meeting)]
    assert titles.index(content[1].title) < titles.index(content[0].title)
    assert [i.order for i in _agenda(meeting)] == list(range(1, len(items) + 1))
    [entry] = _actions("meeting.agenda_item_moved")
    before, after = entry.changes["agenda"]
    assert before == [i.title for i in items]
    assert after == titles
    agenda.agenda_item_move(actor=None, item=content[1], direction="down")
    assert [i.pk for i in _agenda(meeting)] == [i.pk for i in items]
    # The edges of a step: the opening's only item moves nowhere, nor the last conclusion.
    for item, direction in ((items[0], "up"), (items[0], "down"), (items[-1], "down")):
        with pytest.raises(ValidationError) as error:
            agenda.agenda_item_move(actor=None, item=item, direction=direction)
        assert error.value.code == "cannot_move"
    with pytest.raises(ValidationError) as error:
        agenda.agenda_item_move(actor=None, item=items[1], direction="sideways")
    assert error.value.code == "invalid_direction"
    assert len(_actions("meeting.agenda_item_moved")) == 2


def test_a_locked_meeting_refuses_delete_and_move(world, sd) -> None:
    meeting, items = _built(world)
    _lock(meeting)
    with pytest.raises(ValidationError) as error:
        agenda.agenda_item_delete(actor=None, item=items[2])
    assert error.value.code == "locked"
    with pytest.raises(ValidationError) as error:
        agenda.agenda_item_move(actor=None, item=items[2], direction="up")
    assert error.value.code == "locked"
    assert [i.pk for i in _agenda(meeting)] == [i.pk for i in items]
    assert not _actions("meeting.agenda_item_deleted")
    assert not _actions("meeting.agenda_item_moved")


def test_an_item_of_another_meeting_is_refused(world, sd) -> None:
    _meeting, items = _built(world)
    other = meeting_on(world.cell, D(2025, 3, 25))
    stray = AgendaItem.objects.get(pk=items[1].pk)
    stray.meeting = other
    with pytest.raises(ValidationError) as error:
        agenda.agenda_item_delete(actor=None, item=stray)
    assert error.value.code == "not_found"


# --- Services: templates -----------------------------------------------------------------------
def test_template_topic_local_issues_withdraw_and_delete(world, sd) -> None:
    template = _commune_template(world, topic="Chỉ thị 50-CT/TW", kind=MeetingKind.THEMATIC)
    assert template.topic == "Chỉ thị 50-CT/TW"
    meeting = meeting_on(world.cell, D(2025, 3, 20))
    built = services.agenda_from_template(
        actor=None, meeting=meeting, template=template, local_issues=[services.AgendaEntry("Nước")]
    )
    issues = [i.title for i in built if i.source == AgendaSource.LOCAL_ISSUE]
    assert issues == ["Đường vào bản", "Nước"]
    with pytest.raises(ValidationError) as error:
        agenda.agenda_template_save(
            actor=None, owner=world.cell, title="x", items=[], template=template
        )
    assert error.value.code == "wrong_owner"
    with pytest.raises(ValidationError) as error:
        agenda.agenda_template_save(
            actor=None,
            owner=world.commune,
            title="x",
            items=[{"step": "opening", "title": "y", "source": "local_issue"}],
        )
    assert error.value.code == "invalid_items"
    agenda.agenda_template_withdraw(actor=world.commune_user, template=template)
    template.refresh_from_db()
    assert not template.is_published
    assert template.pk not in {t.pk for t in selectors.templates_available(world.cell)}
    [entry] = _actions("agenda_template.withdrawn")
    assert entry.changes == {"is_published": [True, False]}
    # Withdrawing again changes nothing and writes nothing.
    agenda.agenda_template_withdraw(actor=None, template=template)
    assert len(_actions("agenda_template.withdrawn")) == 1
    agenda.agenda_template_delete(actor=world.commune_user, template=template)
    assert not AgendaTemplate.objects.filter(pk=template.pk).exists()
    assert _actions("agenda_template.deleted")[0].changes["title"][0] == template.title
    # The agenda built from it keeps its items.
    assert AgendaItem.objects.filter(meeting=meeting).count() == len(built)


def test_a_cell_of_another_commune_is_not_offered_the_template(world, sd) -> None:
    template = _commune_template(world)
    assert template.pk in {t.pk for t in selectors.templates_available(world.cell2)}
    assert template.pk not in {t.pk for t in selectors.templates_available(world.other_cell)}


# --- Pages: agenda items -----------------------------------------------------------------------
def test_detail_has_move_and_delete_buttons_that_work(world, sec) -> None:
    meeting, items = _built(world)
    detail = reverse("meetings:detail", args=[meeting.pk])
    html = sec.get(detail).content.decode()
    assert reverse("meetings:agenda_move", args=[items[2].pk]) in html
    assert reverse("meetings:agenda_delete", args=[items[2].pk]) in html
    assert "Move up" in html
    assert "Move down" in html
    # The opening's only item cannot move: no button for it.
    assert reverse("meetings:agenda_move", args=[items[0].pk]) not in html
    move = reverse("meetings:agenda_move", args=[items[2].pk])
    assert sec.get(move).status_code == 200
    response = sec.post(move, {"direction": "up"})
    assert response["Location"] == f"{detail}#item-{items[2].pk}"
    assert _agenda(meeting)[1].pk == items[2].pk
    response = sec.post(move, {"direction": "up"}, follow=True)
    assert "This item is already the first of its step." in response.content.decode()
    delete = reverse("meetings:agenda_delete", args=[items[3].pk])
    html = sec.get(delete).content.decode()
    assert "Delete the agenda item" in html
    assert items[3].title in html
    assert sec.post(delete)["Location"] == f"{detail}#agenda"
    assert items[3].pk not in {i.pk for i in _agenda(meeting)}
    assert sec.post(delete).status_code == 404


def test_locked_meeting_pages_refuse_with_the_message(world, sec) -> None:
    meeting, items = _built(world)
    _lock(meeting)
    message = "The minutes of this meeting are locked"
    response = sec.post(reverse("meetings:agenda_delete", args=[items[2].pk]))
    assert response.status_code == 200
    assert message in response.content.decode()
    move = reverse("meetings:agenda_move", args=[items[2].pk])
    response = sec.post(move, {"direction": "up"}, follow=True)
    assert message in response.content.decode()
    html = sec.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert move not in html
    assert len(_agenda(meeting)) == len(items)


def test_a_plain_member_cannot_delete_or_move(world, client_en) -> None:
    meeting, items = _built(world)
    member = client_en(world.member_user)
    assert member.post(reverse("meetings:agenda_delete", args=[items[2].pk])).status_code == 404
    move = reverse("meetings:agenda_move", args=[items[2].pk])
    assert member.post(move, {"direction": "up"}).status_code == 404
    html = member.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert move not in html
    assert [i.pk for i in _agenda(meeting)] == [i.pk for i in items]


# --- Pages: templates --------------------------------------------------------------------------
def _form(**extra) -> dict[str, str]:
    return {
        "title": "Mẫu chuyên đề",
        "kind": "thematic",
        "topic": "Phát triển cây chè",
        "opening": "Điểm danh, giới thiệu đại biểu",
        "content": "Báo cáo chuyên đề\n+ Người trình bày: bí thư\n- Thảo luận",
        "conclusion": "Kết luận\nBiểu quyết",
        "local_issues": "Làm đường nội bản",
        **extra,
    }


def test_commune_writes_edits_withdraws_and_deletes_a_template(world, commune) -> None:
    page = reverse("meetings:agenda_templates", args=[world.commune.pk])
    html = commune.get(reverse("meetings:commune", args=[world.commune.pk])).content.decode()
    assert page in html
    add = reverse("meetings:agenda_template_add", args=[world.commune.pk])
    html = commune.get(add).content.decode()
    assert "Roll call, guests and minute-taker" in html  # starts from the standard steps
    assert 'name="is_published"' in html
    response = commune.post(add, _form(title="", content="+ lạc chỗ"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "A line starting with + must come after the item it details." in html
    assert "has-error" in html
    response = commune.post(add, _form(opening="", content="", conclusion="", local_issues=""))
    assert "Write at least one item of the agenda." in response.content.decode()
    response = commune.post(add, _form(opening="x" * 301))
    assert "at most 300 characters" in response.content.decode()
    assert commune.post(add, _form(is_published="on"))["Location"] == page
    with scopes_disabled():
        template = AgendaTemplate.objects.get(owner=world.commune)
    assert template.is_published
    assert template.topic == "Phát triển cây chè"
    assert template.items[1:4] == [
        {"step": "content", "title": "Báo cáo chuyên đề", "content": "Người trình bày: bí thư"},
        {"step": "content", "title": "Thảo luận", "content": ""},
        {"step": "content", "title": "Làm đường nội bản", "content": "", "source": "local_issue"},
    ]
    html = commune.get(page).content.decode()
    assert "Mẫu chuyên đề" in html
    assert "Published" in html
    # Edit: the boxes show the items as they were written.
    edit = reverse("meetings:agenda_template_edit", args=[template.pk])
    html = commune.get(edit).content.decode()
    assert "Báo cáo chuyên đề\n+ Người trình bày: bí thư" in html
    assert commune.post(edit, _form(title="Mẫu mới", is_published="on")).status_code == 302
    template.refresh_from_db()
    assert template.title == "Mẫu mới"
    withdraw = reverse("meetings:agenda_template_withdraw", args=[template.pk])
    assert "Stop offering it to other cells" in commune.get(withdraw).content.decode()
    assert commune.post(withdraw, {"action": "unpublish"})["Location"] == page
    template.refresh_from_db()
    assert not template.is_published
    assert commune.post(withdraw, {"action": "other"}).status_code == 200
    assert commune.post(withdraw, {"action": "delete"})["Location"] == page
    with scopes_disabled():
        assert not AgendaTemplate.objects.filter(pk=template.pk).exists()
        actions = {e.action for e in AuditEntry.objects.filter(object_type__icontains="template")}
    assert {"agenda_template.saved", "agenda_template.withdrawn", "agenda_template.deleted"} <= (
        actions
    )


def test_a_cell_copies_and_adapts_a_template_but_publishes_only_as_a_model_cell(
    world, sec, client_en
) -> None:
    source = _commune_template(world)
    page = reverse("meetings:agenda_templates", args=[world.cell.pk])
    assert page in sec.get(reverse("meetings:cell_year", args=[world.cell.pk])).content.decode()
    html = sec.get(page).content.decode()
    assert source.title in html
    add = reverse("meetings:agenda_template_add", args=[world.cell.pk])
    html = sec.get(add, {"from": source.pk}).content.decode()
    assert "adapt it to your cell" in html
    assert "Học tập nghị quyết\n+ Chỉ thị 50" in html
    assert 'name="is_published"' not in html  # not a model cell
    response = sec.post(f"{add}?from={source.pk}", _form(title="Mẫu của bản", is_published="on"))
    assert response["Location"] == page
    with scopes_disabled():
        copy = AgendaTemplate.objects.get(owner=world.cell)
    assert not copy.is_published
    # Offered when the cell builds an agenda, and not to the cell next door.
    meeting = meeting_on(world.cell, D(2025, 3, 20))
    assert (
        "Mẫu của bản"
        in sec.get(reverse("meetings:agenda_build", args=[meeting.pk])).content.decode()
    )
    with scopes_disabled():
        assert copy.pk not in {t.pk for t in selectors.templates_available(world.cell2)}
        ModelCell.objects.create(cell=world.cell, marked_by=world.commune, since=D(2025, 1, 1))
    edit = reverse("meetings:agenda_template_edit", args=[copy.pk])
    assert 'name="is_published"' in sec.get(edit).content.decode()
    sec.post(edit, _form(title="Mẫu của bản", is_published="on"))
    with scopes_disabled():
        assert copy.pk in {t.pk for t in selectors.templates_available(world.cell2)}
    # The secretary does not keep the commune's templates, and copies only what is offered.
    assert sec.get(reverse("meetings:agenda_template_edit", args=[source.pk])).status_code == 404
    with scopes_disabled():
        foreign = agenda.agenda_template_save(
            actor=None, owner=world.other_commune, title="Xã khác", items=[], is_published=True
        )
    assert sec.get(add, {"from": foreign.pk}).status_code == 404
    assert sec.get(add, {"from": "abc"}).status_code == 404


def test_a_plain_member_cannot_keep_templates(world, client_en) -> None:
    template = _commune_template(world)
    member = client_en(world.member_user)
    add = reverse("meetings:agenda_template_add", args=[world.cell.pk])
    assert member.get(reverse("meetings:agenda_templates", args=[world.cell.pk])).status_code == 404
    assert member.post(add, _form()).status_code == 404
    edit = reverse("meetings:agenda_template_edit", args=[template.pk])
    assert member.post(edit, _form(title="Đổi")).status_code == 404
    withdraw = reverse("meetings:agenda_template_withdraw", args=[template.pk])
    assert member.post(withdraw, {"action": "delete"}).status_code == 404
    html = member.get(reverse("meetings:cell_year", args=[world.cell.pk])).content.decode()
    assert reverse("meetings:agenda_templates", args=[world.cell.pk]) not in html
    with scopes_disabled():
        assert AgendaTemplate.objects.filter(owner=world.cell).count() == 0
        assert AgendaTemplate.objects.get(pk=template.pk).title == template.title


def test_a_cell_outside_the_commune_does_not_see_its_templates(world, client_en) -> None:
    template = _commune_template(world, title="Mẫu riêng của xã Nậm Tăm")
    outsider = client_en(world.outsider)
    html = outsider.get(
        reverse("meetings:agenda_templates", args=[world.other_cell.pk])
    ).content.decode()
    assert template.title not in html
    add = reverse("meetings:agenda_template_add", args=[world.other_cell.pk])
    assert outsider.get(add, {"from": template.pk}).status_code == 404
    edit = reverse("meetings:agenda_template_edit", args=[template.pk])
    assert outsider.get(edit).status_code == 404


def test_the_templates_list_answers_in_a_constant_number_of_queries(
    world, sec, django_assert_num_queries
) -> None:
    url = reverse("meetings:agenda_templates", args=[world.cell.pk])
    _commune_template(world)
    with scopes_disabled():
        agenda.agenda_template_save(actor=None, owner=world.cell, title="Mẫu 0", items=[])
    sec.get(url)
    with CaptureQueriesContext(connection) as few:
        sec.get(url)
    with scopes_disabled():
        ModelCell.objects.create(cell=world.cell2, marked_by=world.commune, since=D(2025, 1, 1))
        for n in range(1, 6):
            _commune_template(world, title=f"Mẫu xã {n}")
            agenda.agenda_template_save(actor=None, owner=world.cell, title=f"Mẫu {n}", items=[])
            agenda.agenda_template_save(
                actor=None, owner=world.cell2, title=f"Mẫu điểm {n}", items=[], is_published=True
            )
    with django_assert_num_queries(len(few)):
        response = sec.get(url)
    html = response.content.decode()
    assert "Mẫu điểm 5" in html
    assert "Mẫu xã 5" in html
