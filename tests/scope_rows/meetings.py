"""Scope rows of the meeting pages (chibo.meetings): see test_scope_matrix.py.

Seeing a cell's meetings is ``meeting.view`` (members and all leaders of the cell, and the
levels above); every page that changes something is ``meeting.change`` (the secretary and the
commune); the commune's fixed days and model cells are ``meeting.configure``. A plain member
sees their own cell's meetings and nothing that changes them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_scopes import scopes_disabled

from chibo.meetings.agenda import agenda_item_save, agenda_template_save
from chibo.meetings.models import AgendaStep, MeetingKind
from chibo.meetings.services import meeting_create
from tests.scope_rows import CELL_READERS

CHANGERS = {"commune", "secretary"}
OTHER = {"province", "outsider"}


def meeting(world, cell_name: str = "cell"):
    """One meeting of the world's cell (made once per world), today."""
    cache = world.__dict__.setdefault("_meetings", {})
    if cell_name not in cache:
        with scopes_disabled():
            cache[cell_name] = meeting_create(
                actor=None,
                cell=getattr(world, cell_name),
                kind=MeetingKind.EXTRAORDINARY,
                planned_date=timezone.localdate() - dt.timedelta(days=1),
            )
    return cache[cell_name]


def item(world):
    cache = world.__dict__.setdefault("_items", {})
    if "item" not in cache:
        with scopes_disabled():
            cache["item"] = agenda_item_save(
                actor=None, meeting=meeting(world), step=AgendaStep.CONTENT, title="Việc thôn"
            )
    return cache["item"]


def other_item(world):
    """An agenda item of the other commune's cell (made once per world)."""
    cache = world.__dict__.setdefault("_items", {})
    if "other" not in cache:
        with scopes_disabled():
            cache["other"] = agenda_item_save(
                actor=None,
                meeting=meeting(world, "other_cell"),
                step=AgendaStep.CONTENT,
                title="Việc bản khác",
            )
    return cache["other"]


def template(world, owner_name: str):
    """An agenda template of the commune, the cell or the other commune (made once)."""
    cache = world.__dict__.setdefault("_templates", {})
    if owner_name not in cache:
        with scopes_disabled():
            cache[owner_name] = agenda_template_save(
                actor=None,
                owner=getattr(world, owner_name),
                title="Mẫu sinh hoạt",
                items=[{"step": AgendaStep.CONTENT, "title": "Học tập nghị quyết"}],
                is_published=owner_name != "cell",
            )
    return cache[owner_name]


_TEMPLATE_PAGES = ["meetings:agenda_templates", "meetings:agenda_template_add"]
_ONE_TEMPLATE_PAGES = ["meetings:agenda_template_edit", "meetings:agenda_template_withdraw"]

_CHANGE_PAGES = [
    "meetings:edit",
    "meetings:agenda_build",
    "meetings:agenda_add",
    "meetings:notify",
    "meetings:cancel",
    "meetings:roll",
    "meetings:minutes",
    "meetings:speech_add",
    "meetings:resolution",
    "meetings:lock",
    "meetings:amend",
]
_VIEW_PAGES = [
    "meetings:detail",
    "meetings:answer",
    "meetings:print",
    "meetings:minutes_docx",
    "meetings:quality",
]

# (url name, args from the world, the roles that get 200)
ROWS = [
    ("meetings:cell_year", lambda w: [w.cell.pk], CELL_READERS),
    ("meetings:cell_year", lambda w: [w.other_cell.pk], OTHER),
    ("meetings:plan_year", lambda w: [w.cell.pk], CHANGERS),
    ("meetings:plan_year", lambda w: [w.other_cell.pk], {"outsider"}),
    ("meetings:add", lambda w: [w.cell.pk], CHANGERS),
    ("meetings:add", lambda w: [w.other_cell.pk], {"outsider"}),
    ("meetings:commune", lambda w: [w.commune.pk], {"province", "commune"}),
    ("meetings:commune", lambda w: [w.other_commune.pk], OTHER),
    ("meetings:day_set", lambda w: [w.commune.pk, w.cell.pk], {"commune"}),
    ("meetings:day_set", lambda w: [w.other_commune.pk, w.other_cell.pk], {"outsider"}),
    ("meetings:model_cell", lambda w: [w.commune.pk, w.cell2.pk], {"commune"}),
    ("meetings:model_cell", lambda w: [w.other_commune.pk, w.other_cell.pk], {"outsider"}),
    (
        "meetings:member_year",
        lambda w: [w.plain_member.pk],
        {"province", "commune", "secretary", "member"},
    ),
    ("meetings:member_year", lambda w: [w.other_member.pk], OTHER),
    ("meetings:agenda_edit", lambda w: [item(w).pk], CHANGERS),
    ("meetings:agenda_delete", lambda w: [item(w).pk], CHANGERS),
    ("meetings:agenda_delete", lambda w: [other_item(w).pk], {"outsider"}),
    ("meetings:agenda_move", lambda w: [item(w).pk], CHANGERS),
    ("meetings:agenda_move", lambda w: [other_item(w).pk], {"outsider"}),
    # Agenda templates: the commune's need meeting.configure, a cell's meeting.change.
    *[(name, lambda w: [w.commune.pk], {"commune"}) for name in _TEMPLATE_PAGES],
    *[(name, lambda w: [w.other_commune.pk], {"outsider"}) for name in _TEMPLATE_PAGES],
    *[(name, lambda w: [w.cell.pk], CHANGERS) for name in _TEMPLATE_PAGES],
    *[(name, lambda w: [w.other_cell.pk], {"outsider"}) for name in _TEMPLATE_PAGES],
    *[(name, lambda w: [template(w, "commune").pk], {"commune"}) for name in _ONE_TEMPLATE_PAGES],
    *[(name, lambda w: [template(w, "cell").pk], CHANGERS) for name in _ONE_TEMPLATE_PAGES],
    *[
        (name, lambda w: [template(w, "other_commune").pk], {"outsider"})
        for name in _ONE_TEMPLATE_PAGES
    ],
    *[(name, lambda w: [meeting(w).pk], CELL_READERS) for name in _VIEW_PAGES],
    *[(name, lambda w: [meeting(w, "other_cell").pk], OTHER) for name in _VIEW_PAGES],
    *[(name, lambda w: [meeting(w).pk], CHANGERS) for name in _CHANGE_PAGES],
    *[(name, lambda w: [meeting(w, "other_cell").pk], {"outsider"}) for name in _CHANGE_PAGES],
]
