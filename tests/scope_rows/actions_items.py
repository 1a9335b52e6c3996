"""Scope rows of the action-item pages (chibo.actions.views_items): see test_scope_matrix.py.

Reading (a cell's items, a meeting's items, one item, the owner's report form) is
``meeting.view``: the members and leaders of the cell and the levels above. Adding, editing and
reviewing items is ``meeting.change``: the secretary and the commune. A plain member sees their
cell's items and nothing that changes them; another commune sees nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_scopes import scopes_disabled

from chibo.actions.services import ItemData, action_item_from_resolution
from tests.meetings.factories import hold, meeting_on
from tests.scope_rows import CELL_READERS

CHANGERS = {"commune", "secretary"}
OTHER = {"province", "outsider"}


def held(world, cell_name: str = "cell"):
    """A meeting of the cell held two days ago (made once per world)."""
    cache = world.__dict__.setdefault("_action_meetings", {})
    if cell_name not in cache:
        day = timezone.localdate() - dt.timedelta(days=2)
        cache[cell_name] = hold(meeting_on(getattr(world, cell_name), day))
    return cache[cell_name]


def item(world, cell_name: str = "cell"):
    """An item of that meeting's resolution, owned by a member of the cell (made once)."""
    cache = world.__dict__.setdefault("_action_items", {})
    if cell_name not in cache:
        owner = world.plain_member if cell_name == "cell" else world.other_member
        data = ItemData(
            title="Phát quang đường vào bản",
            due_date=timezone.localdate() + dt.timedelta(days=30),
            owners=(owner,),
        )
        with scopes_disabled():
            cache[cell_name] = action_item_from_resolution(
                actor=None, meeting=held(world, cell_name), data=data
            )
    return cache[cell_name]


_CELL_VIEW = ["actions:cell_items"]
_CELL_CHANGE = ["actions:guidance_add", "actions:document_add"]
_MEETING_VIEW = ["actions:meeting_items"]
_MEETING_CHANGE = ["actions:meeting_review"]
_ITEM_VIEW = ["actions:item", "actions:item_report"]
_ITEM_CHANGE = ["actions:item_edit"]

# (url name, args from the world, the roles that get 200)
ROWS = [
    *[(name, lambda w: [w.cell.pk], CELL_READERS) for name in _CELL_VIEW],
    *[(name, lambda w: [w.other_cell.pk], OTHER) for name in _CELL_VIEW],
    *[(name, lambda w: [w.cell.pk], CHANGERS) for name in _CELL_CHANGE],
    *[(name, lambda w: [w.other_cell.pk], {"outsider"}) for name in _CELL_CHANGE],
    *[(name, lambda w: [held(w).pk], CELL_READERS) for name in _MEETING_VIEW],
    *[(name, lambda w: [held(w, "other_cell").pk], OTHER) for name in _MEETING_VIEW],
    *[(name, lambda w: [held(w).pk], CHANGERS) for name in _MEETING_CHANGE],
    *[(name, lambda w: [held(w, "other_cell").pk], {"outsider"}) for name in _MEETING_CHANGE],
    *[(name, lambda w: [item(w).pk], CELL_READERS) for name in _ITEM_VIEW],
    *[(name, lambda w: [item(w, "other_cell").pk], OTHER) for name in _ITEM_VIEW],
    *[(name, lambda w: [item(w).pk], CHANGERS) for name in _ITEM_CHANGE],
    *[(name, lambda w: [item(w, "other_cell").pk], {"outsider"}) for name in _ITEM_CHANGE],
]
