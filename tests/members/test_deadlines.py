from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.core.access import access_for_user
from chibo.members.deadlines import (
    CEREMONY,
    RECOGNITION_OVERDUE,
    RECOGNITION_SOON,
    TRANSFER_IN,
    TRANSFER_OUT,
    deadlines_for,
)
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind
from tests.factories import make_member

pytestmark = pytest.mark.django_db
D = dt.date
K = EventKind


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        yield


def _add(member, kind, day, **extra) -> None:
    with scopes_disabled():
        member_event_add(actor=None, member=member, data=EventData(kind, day, **extra))


def _probationary(cell, name, admitted, ceremony=None):
    member = make_member(cell, name, official=False, birth_date=D(1995, 1, 1))
    _add(member, K.ADMISSION, admitted)
    if ceremony:
        _add(member, K.CEREMONY, ceremony)
    return member


@pytest.fixture
def scene(world):
    """Deadlines in cell A1 (the secretary's), one in A2, transfers both ways with commune B."""
    _probationary(world.cell, "Lò Văn Sắp", D(2025, 3, 1), D(2025, 3, 20))  # ends 20/3/2026
    _probationary(world.cell, "Lò Văn Quá", D(2025, 1, 10), D(2025, 2, 1))  # ended 1/2/2026
    _probationary(world.cell, "Lò Văn Lễ", D(2026, 1, 5))  # ceremony due 23/2 (after Tết)
    _probationary(world.cell, "Lò Văn Xa", D(2025, 9, 1), D(2025, 9, 10))  # nothing yet
    _probationary(world.cell2, "Giàng A Hai", D(2025, 1, 10), D(2025, 2, 1))
    _add(world.plain_member, K.TRANSFER_OUT, D(2025, 11, 3), other_cell=world.other_cell)
    _add(world.other_member, K.TRANSFER_OUT, D(2026, 2, 25), other_cell=world.cell)
    return world


def _deadlines(user):
    access = access_for_user(user)
    with access.activate():
        return {d.name: d for d in deadlines_for(access=access)}


def test_the_secretary_sees_the_cells_deadlines(scene) -> None:
    found = _deadlines(scene.secretary)
    kinds = {name: (d.kind, d.late) for name, d in found.items()}
    assert kinds == {
        "Lò Văn Sắp": (RECOGNITION_SOON, False),
        "Lò Văn Quá": (RECOGNITION_OVERDUE, True),
        "Lò Văn Lễ": (CEREMONY, True),
        "Tòng Thị Ánh": (TRANSFER_OUT, True),  # sent 3/11/2025, 60 working days passed
        "Mùa A Chư": (TRANSFER_IN, False),  # sent 25/2/2026, 30 working days to report
    }
    assert found["Lò Văn Sắp"].due == D(2026, 3, 20)
    assert found["Lò Văn Lễ"].due == D(2026, 2, 23)  # 30 working days, Tết 14–22/2 skipped
    assert found["Lò Văn Quá"].url.startswith("/members/")
    incoming = found["Mùa A Chư"]
    assert incoming.url.startswith("/members/transfers/")
    assert incoming.other_unit == scene.other_cell.name
    assert found["Tòng Thị Ánh"].other_unit == scene.other_cell.name


def test_the_commune_sees_all_its_cells_and_the_other_side_its_own(scene) -> None:
    commune = _deadlines(scene.commune_user)
    assert "Giàng A Hai" in commune
    assert "Lò Văn Sắp" in commune
    assert "Giàng A Hai" not in _deadlines(scene.secretary)
    outsider = _deadlines(scene.outsider)
    assert {n: d.kind for n, d in outsider.items()} == {
        "Tòng Thị Ánh": TRANSFER_IN,
        "Mùa A Chư": TRANSFER_OUT,
    }


def test_nothing_for_readers_and_members(scene) -> None:
    assert _deadlines(scene.province_user) == {}
    assert _deadlines(scene.member_user) == {}


def test_query_count_is_constant(scene) -> None:
    access = access_for_user(scene.commune_user)
    with access.activate(), CaptureQueriesContext(connection) as few:
        first = deadlines_for(access=access)
    for i in range(6):
        _probationary(scene.cell2, f"Giàng A Số {i}", D(2025, 1, 10), D(2025, 2, 1))
        _probationary(scene.cell, f"Lò Văn Số {i}", D(2026, 1, 5))
    with scopes_disabled():
        for i in range(3):
            sender = make_member(scene.other_cell, f"Mùa A Số {i}")
            member_event_add(
                actor=None,
                member=sender,
                data=EventData(K.TRANSFER_OUT, D(2026, 2, 26), other_cell=scene.cell2),
            )
    with access.activate(), CaptureQueriesContext(connection) as many:
        second = deadlines_for(access=access)
    assert len(second) == len(first) + 15
    assert len(many) == len(few) <= 6


def test_home_page_shows_the_card_to_those_who_keep_records(scene, client_for) -> None:
    html = client_for(scene.secretary).get(reverse("home")).content.decode()
    assert 'id="deadlines"' in html
    assert "Lò Văn Quá" in html
    assert reverse("members:transfers_incoming", args=[scene.cell.pk]) in html
    for user in (scene.member_user, scene.province_user):
        assert 'id="deadlines"' not in client_for(user).get(reverse("home")).content.decode()


def test_no_card_when_nothing_is_due(world, client_for) -> None:
    html = client_for(world.secretary).get(reverse("home")).content.decode()
    assert 'id="deadlines"' not in html
