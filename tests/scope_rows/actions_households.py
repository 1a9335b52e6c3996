"""Scope rows of the households pages, the commune's view of action items and the monthly
results (chibo.actions.urls_households): see test_scope_matrix.py.

Reading is ``meeting.view`` on the cell (its members and leaders, and the levels above);
adding, editing, deactivating and assigning are ``meeting.change`` (the secretary and the
commune). Logging a contact is for a member who follows the household, or ``meeting.change``.
A member's results are for the member and for whoever sees their cell's meetings.
"""

from __future__ import annotations

from django.utils import timezone
from django_scopes import scopes_disabled

from chibo.actions import services
from tests.scope_rows import CELL_READERS

CHANGERS = {"commune", "secretary"}
OTHER = {"province", "outsider"}


def household(world, cell_name: str = "cell"):
    """A household of the world's cell (or of the other commune's), followed since today by
    the cell's plain member (the other cell's member). Made once per world."""
    cache = world.__dict__.setdefault("_households", {})
    if cell_name not in cache:
        member = world.plain_member if cell_name == "cell" else world.other_member
        with scopes_disabled():
            made = services.household_create(
                actor=None,
                cell=getattr(world, cell_name),
                data=services.HouseholdData("Lò Văn Khánh", hamlet="Bản Nà Tăm"),
            )
            assignment = services.household_assign(
                actor=None, household=made, member=member, start_date=timezone.localdate()
            )
        cache[cell_name] = (made, assignment)
    return cache[cell_name]


_CELL_PAGES = ["actions:households", "actions:cell_results"]
_HOUSEHOLD_CHANGE = [
    "actions:household_edit",
    "actions:household_deactivate",
    "actions:household_assign",
]

# (url name, args from the world, the roles that get 200)
ROWS = [
    *[(name, lambda w: [w.cell.pk], CELL_READERS) for name in _CELL_PAGES],
    *[(name, lambda w: [w.other_cell.pk], OTHER) for name in _CELL_PAGES],
    ("actions:household_add", lambda w: [w.cell.pk], CHANGERS),
    ("actions:household_add", lambda w: [w.other_cell.pk], {"outsider"}),
    ("actions:household", lambda w: [household(w)[0].pk], CELL_READERS),
    ("actions:household", lambda w: [household(w, "other_cell")[0].pk], OTHER),
    *[(name, lambda w: [household(w)[0].pk], CHANGERS) for name in _HOUSEHOLD_CHANGE],
    *[
        (name, lambda w: [household(w, "other_cell")[0].pk], {"outsider"})
        for name in _HOUSEHOLD_CHANGE
    ],
    ("actions:household_assignment_end", lambda w: [household(w)[1].pk], CHANGERS),
    (
        "actions:household_assignment_end",
        lambda w: [household(w, "other_cell")[1].pk],
        {"outsider"},
    ),
    # The plain member follows the household: they log their own contacts.
    ("actions:household_contact", lambda w: [household(w)[0].pk], {*CHANGERS, "member"}),
    ("actions:household_contact", lambda w: [household(w, "other_cell")[0].pk], {"outsider"}),
    ("actions:commune", lambda w: [w.commune.pk], {"province", "commune"}),
    ("actions:commune", lambda w: [w.other_commune.pk], OTHER),
    ("actions:member_results", lambda w: [w.plain_member.pk], CELL_READERS),
    ("actions:member_results", lambda w: [w.secretary_member.pk], CELL_READERS),
    ("actions:member_results", lambda w: [w.other_member.pk], OTHER),
]
