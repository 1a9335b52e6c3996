from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scopes_disabled

from chibo.core.audit import diff, snapshot
from chibo.core.models import AuditEntry
from chibo.orgunits.models import PostKind
from chibo.orgunits.services import UnitData, post_assign, unit_update
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_diff_keeps_only_changed_fields() -> None:
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}


def test_snapshot_is_json_ready(world) -> None:
    data = snapshot(world.plain_member, ["full_name", "cell", "birth_date"])
    assert data == {"full_name": "Tòng Thị Ánh", "cell": world.cell.pk, "birth_date": "1970-05-01"}


def test_every_service_write_leaves_who_what_before_after(world) -> None:
    with scopes_disabled():
        unit_update(
            actor=world.commune_user,
            unit=world.cell2,
            data=UnitData(
                name="Chi bộ bản Pá Khoang Mới",
                code=world.cell2.code,
                kind="cell",
                valid_from=dt.date(2026, 1, 1),
            ),
        )
        entry = AuditEntry.objects.get(action="orgunit.changed")
    assert entry.actor_name == "Lò Văn Xã"
    assert entry.unit == world.cell2
    assert entry.changes == {
        "name": ["Chi bộ bản Pá Khoang", "Chi bộ bản Pá Khoang Mới"],
        "valid_from": [None, "2026-01-01"],
    }


def test_an_unchanged_save_writes_no_entry(world) -> None:
    with scopes_disabled():
        before = AuditEntry.objects.count()
        unit_update(
            actor=None,
            unit=world.cell,
            data=UnitData(name=world.cell.name, code=world.cell.code, kind=world.cell.kind),
        )
        assert AuditEntry.objects.count() == before


def test_post_entries_belong_to_the_unit_and_the_person(world) -> None:
    deputy = make_member(world.cell, "Lường Văn Phó")
    with scopes_disabled():
        post_assign(
            actor=world.commune_user,
            unit=world.cell,
            member=deputy,
            kind=PostKind.DEPUTY_SECRETARY,
            start_date=dt.date(2026, 1, 5),
        )
        entry = AuditEntry.objects.get(action="post.assigned", member=deputy)
    assert entry.unit == world.cell
    assert entry.changes["kind"] == [None, "deputy_secretary"]


def test_a_person_sees_their_own_history_and_not_others(world, client_for) -> None:
    client = client_for(world.member_user)
    own = client.get(f"/members/{world.plain_member.pk}/")
    assert own.status_code == 200
    assert "member.created" in own.content.decode()
    assert client.get(f"/members/{world.secretary_member.pk}/").status_code == 404
