"""Scope rows of the exchange pages (Excel export, import, quarterly reconciliation)."""

from __future__ import annotations

import io

from django_scopes import scopes_disabled

from chibo.exchange import services
from tests.exchange.helpers import simple_rows, xlsx_bytes
from tests.scope_rows import ALL  # noqa: F401

MEMBER_READERS = {"province", "commune", "secretary"}


def _job_of(user_attr: str):
    def make(world) -> int:
        user = getattr(world, user_attr)
        data = xlsx_bytes(
            simple_rows(
                world.cell.name,
                [("Lò Văn Mới", "01/02/1980", "Nam", "10/03/2005", "", "")],
            )
        )
        with scopes_disabled():
            job = services.import_job_create(
                actor=user, unit=world.cell, stream=io.BytesIO(data), filename="a.xlsx", size=None
            )
        return job.pk

    return make


ROWS = [
    ("exchange:unit", lambda w: [w.cell.pk], MEMBER_READERS),
    ("exchange:unit", lambda w: [w.commune.pk], {"province", "commune"}),
    ("exchange:unit", lambda w: [w.other_cell.pk], {"province", "outsider"}),
    ("exchange:export", lambda w: [w.cell.pk], MEMBER_READERS),
    ("exchange:export", lambda w: [w.commune.pk], {"province", "commune"}),
    ("exchange:reconcile", lambda w: [w.commune.pk], {"province", "commune"}),
    ("exchange:reconcile", lambda w: [w.cell.pk], MEMBER_READERS),
    ("exchange:job", _job_of("commune_user"), {"commune"}),
    ("exchange:job", _job_of("secretary"), {"secretary"}),
    ("exchange:job_step", _job_of("commune_user"), {"commune"}),
]
