"""Scope rows of the study-session pages (chibo.actions.views_studies): see
test_scope_matrix.py. A cell's documents are read with meeting.view; recording a study or a
step of the plan needs meeting.change; the commune's page is for the commune and above."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_scopes import scopes_disabled

from chibo.actions.studies import StudyData, document_study_record
from tests.scope_rows import CELL_READERS

CHANGERS = {"commune", "secretary"}
OTHER = {"province", "outsider"}


def study(world, cell_name: str = "cell"):
    """A study session of the world's cell (or another one), made once per world."""
    cache = world.__dict__.setdefault("_studies", {})
    if cell_name not in cache:
        with scopes_disabled():
            day = timezone.localdate() - dt.timedelta(days=2)
            cache[cell_name] = document_study_record(
                actor=None, cell=getattr(world, cell_name), data=StudyData("57-NQ/TW", day)
            )
    return cache[cell_name]


_STUDY_PAGES = ["actions:study_edit", "actions:study_plan_add"]

ROWS = [
    ("actions:studies", lambda w: [w.cell.pk], CELL_READERS),
    ("actions:studies", lambda w: [w.other_cell.pk], OTHER),
    ("actions:study_add", lambda w: [w.cell.pk], CHANGERS),
    ("actions:study_add", lambda w: [w.other_cell.pk], {"outsider"}),
    *[(name, lambda w: [study(w).pk], CHANGERS) for name in _STUDY_PAGES],
    *[(name, lambda w: [study(w, "other_cell").pk], {"outsider"}) for name in _STUDY_PAGES],
    ("actions:commune_documents", lambda w: [w.commune.pk], {"province", "commune"}),
    ("actions:commune_documents", lambda w: [w.other_commune.pk], OTHER),
]
