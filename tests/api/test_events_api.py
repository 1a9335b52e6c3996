from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django_scopes import scopes_disabled

from chibo.accounts.services import api_token_create
from chibo.core.models import AuditEntry
from chibo.members.models import EventKind, Member, MemberEvent, MemberStatus
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        yield


def post(user, member_id, body):
    headers = {}
    if user is not None:
        headers = {"Authorization": f"Bearer {api_token_create(user=user)[1]}"}
    return Client().post(
        f"/api/v1/members/{member_id}/events",
        body,
        content_type="application/json",
        headers=headers,
    )


def error_code(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "code", "fields"}
    return body


def test_secretary_records_an_event(world) -> None:
    member = make_member(world.cell, "Lò Văn Mới", official=False, birth_date=dt.date(1990, 1, 1))
    response = post(
        world.secretary,
        member.pk,
        {
            "kind": "admission",
            "date": "2026-01-05",
            "decision_number": "12-QĐ/ĐU",
            "deciding_body": "Đảng ủy xã Nậm Tăm",
            "introducers": "Lò Văn Piếng, Tòng Thị Ánh",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "admission"
    assert body["member_id"] == member.pk
    assert body["cell_id"] == world.cell.pk
    assert body["voided"] is False
    with scopes_disabled():
        member = Member.objects.get(pk=member.pk)
        assert member.status == MemberStatus.PROBATIONARY
        assert member.admission_date == dt.date(2026, 1, 5)
        assert AuditEntry.objects.filter(action="member.event.admission", member=member).exists()


def test_rule_violations_are_400_with_fields(world) -> None:
    member = world.plain_member  # official already
    body = error_code(
        post(world.secretary, member.pk, {"kind": "recognition", "date": "2026-01-05"}), 400
    )
    assert body["code"] == "not_probationary"
    body = error_code(
        post(world.secretary, member.pk, {"kind": "ceremony", "date": "2030-01-01"}), 400
    )
    assert "date" in body["fields"]
    body = error_code(
        post(world.secretary, member.pk, {"kind": "transfer_out", "date": "2026-01-05"}), 400
    )
    assert "other_cell" in body["fields"]
    body = error_code(
        post(
            world.secretary,
            member.pk,
            {"kind": "transfer_out", "date": "2026-01-05", "other_cell": world.commune.pk},
        ),
        400,
    )
    assert "other_cell" in body["fields"]
    with scopes_disabled():
        assert MemberEvent.objects.filter(member=member).count() == 3


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "birthday", "date": "2026-01-05"},
        {"kind": "death", "date": "not a date"},
        {"kind": "death", "date": "2026-01-05", "reason": "a\x00b"},
        {"kind": "death", "date": "2026-01-05", "decision_number": "x" * 61},
        {"kind": "transfer_out", "date": "2026-01-05", "other_cell": 2**63},
        {"kind": "transfer_out", "date": "2026-01-05", "other_cell": 0},
    ],
)
def test_bad_bodies_are_400(world, body) -> None:
    assert error_code(post(world.secretary, world.plain_member.pk, body), 400)["code"] == "invalid"


def test_transfer_out_to_a_cell_of_another_commune(world) -> None:
    response = post(
        world.secretary,
        world.plain_member.pk,
        {"kind": "transfer_out", "date": "2026-02-02", "other_cell": world.other_cell.pk},
    )
    assert response.status_code == 201, response.content
    assert response.json()["other_cell_id"] == world.other_cell.pk
    with scopes_disabled():
        member = Member.objects.get(pk=world.plain_member.pk)
    assert (member.status, member.cell_id) == (MemberStatus.TRANSFERRED_OUT, world.cell.pk)


@pytest.mark.parametrize("role", ["province", "member", "outsider"])
def test_without_member_change_or_out_of_scope_is_404(world, role) -> None:
    user = world.users()[role]
    body = error_code(
        post(user, world.plain_member.pk, {"kind": "death", "date": "2026-01-05"}), 404
    )
    assert body["code"] == "not_found"
    assert error_code(post(user, 2**62, {"kind": "death", "date": "2026-01-05"}), 404)
    with scopes_disabled():
        assert not MemberEvent.objects.filter(kind=EventKind.DEATH).exists()


def test_owner_of_the_other_commune_can_write_there(world) -> None:
    response = post(world.outsider, world.other_member.pk, {"kind": "death", "date": "2026-01-05"})
    assert response.status_code == 201


def test_no_token_is_401(world) -> None:
    assert error_code(
        post(None, world.plain_member.pk, {"kind": "death", "date": "2026-01-05"}), 401
    )
