"""The event pages (record, void) and transfers between cells (send, incoming, receive)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.core.models import AuditEntry
from chibo.members.lifecycle import EventData, member_event_add
from chibo.members.models import EventKind, Member, MemberEvent, MemberStatus
from tests.factories import make_member

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        yield


def _member(pk: int) -> Member:
    with scopes_disabled():
        return Member.objects.get(pk=pk)


def _events(member: Member) -> list[MemberEvent]:
    with scopes_disabled():
        return list(MemberEvent.objects.filter(member_id=member.pk).order_by("date", "id"))


def _send(member: Member, to, day=dt.date(2026, 2, 2), **extra) -> MemberEvent:
    with scopes_disabled():
        data = EventData(EventKind.TRANSFER_OUT, day, other_cell=to, **extra)
        return member_event_add(actor=None, member=member, data=data)


# --- Recording and voiding events -----------------------------------------------------------
def test_event_add_offers_the_kinds_then_the_fields_of_one(world, client_for) -> None:
    client = client_for(world.secretary)
    url = reverse("members:event_add", args=[world.plain_member.pk])
    html = client.get(url).content.decode()
    assert 'id="kinds"' in html
    assert "?kind=ceremony" in html
    assert "?kind=transfer_out" not in html  # sent from the transfer page
    html = client.get(url, {"kind": "admission"}).content.decode()
    assert 'name="introducers"' in html
    assert 'name="higher_approval"' in html
    html = client.get(url, {"kind": "death"}).content.decode()
    assert 'name="introducers"' not in html
    assert 'name="date"' in html


def test_recording_an_admission_then_a_ceremony(world, client_for) -> None:
    member = make_member(world.cell, "Lò Văn Mới", official=False, birth_date=dt.date(1990, 1, 1))
    client = client_for(world.secretary)
    url = reverse("members:event_add", args=[member.pk])
    response = client.post(
        url,
        {
            "kind": "admission",
            "date": "2026-01-05",
            "decision_number": "12-QĐ/ĐU",
            "deciding_body": "Đảng ủy xã Nậm Tăm",
            "introducers": "Lò Văn Piếng",
        },
    )
    assert response.status_code == 302
    response = client.post(url, {"kind": "ceremony", "date": "2026-02-03"})
    assert response.status_code == 302
    member = _member(member.pk)
    assert (member.status, member.admission_date, member.ceremony_date) == (
        MemberStatus.PROBATIONARY,
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 3),
    )
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="member.event.admission", member_id=member.pk)
    assert entry.actor_id == world.secretary.pk
    html = client.get(member.get_absolute_url()).content.decode()
    assert "12-QĐ/ĐU" in html
    assert 'id="events"' in html


def test_rule_errors_show_on_the_form_fields(world, client_for) -> None:
    client = client_for(world.secretary)
    url = reverse("members:event_add", args=[world.plain_member.pk])
    response = client.post(url, {"kind": "exemption", "date": "2026-02-02"})  # no reason
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    response = client.post(url, {"kind": "death", "date": "2030-02-02"})
    assert response.context["form"].errors["date"]
    response = client.post(url, {"kind": "ceremony", "date": "2026-02-02"})
    assert response.context["form"].non_field_errors()  # already recorded
    assert len(_events(world.plain_member)) == 3


@pytest.mark.parametrize("user", ["member_user", "outsider", "province_user"])
def test_others_cannot_record_events(world, client_for, user) -> None:
    client = client_for(getattr(world, user))
    url = reverse("members:event_add", args=[world.plain_member.pk])
    assert client.post(url, {"kind": "death", "date": "2026-02-02"}).status_code == 404
    event = _events(world.plain_member)[-1]
    void = reverse("members:event_void", args=[event.pk])
    assert client.post(void, {"reason": "x"}).status_code == 404
    assert len(_events(world.plain_member)) == 3
    assert all(e.voided_at is None for e in _events(world.plain_member))


def test_void_needs_a_reason_and_recomputes(world, client_for) -> None:
    client = client_for(world.commune_user)
    recognition = _events(world.plain_member)[-1]
    url = reverse("members:event_void", args=[recognition.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert client.post(url, {"reason": "Nhập nhầm ngày"}).status_code == 302
    member = _member(world.plain_member.pk)
    assert member.status == MemberStatus.PROBATIONARY
    html = client.get(member.get_absolute_url()).content.decode()
    assert "<del>" in html
    assert "Nhập nhầm ngày" in html
    # The admission cannot be voided while the ceremony stands: the error shows on the page.
    admission = _events(world.plain_member)[0]
    response = client.post(reverse("members:event_void", args=[admission.pk]), {"reason": "x"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert _events(world.plain_member)[0].voided_at is None


# --- Sending a transfer ---------------------------------------------------------------------
def test_send_looks_the_code_up_then_confirms(world, client_for) -> None:
    client = client_for(world.secretary)
    url = reverse("members:transfer_send", args=[world.plain_member.pk])
    html = client.get(url).content.decode()
    assert world.other_cell.name not in html  # no list of foreign units
    form = {"temporary": "0", "destination": world.other_cell.code, "date": "2026-02-02"}

    response = client.post(url, {**form, "lookup": "1"})
    html = response.content.decode()
    assert 'id="destination"' in html
    assert world.other_cell.name in html
    assert len(_events(world.plain_member)) == 3  # nothing recorded yet

    # A confirmation for another code than the one shown only shows the new name.
    response = client.post(url, {**form, "confirm": "1", "shown": world.cell2.code})
    assert response.status_code == 200
    assert len(_events(world.plain_member)) == 3

    response = client.post(url, {**form, "confirm": "1", "shown": world.other_cell.code})
    assert response.status_code == 302
    member = _member(world.plain_member.pk)
    assert (member.status, member.cell_id) == (MemberStatus.TRANSFERRED_OUT, world.cell.pk)
    sent = _events(member)[-1]
    assert (sent.kind, sent.other_cell_id, sent.temporary) == (
        EventKind.TRANSFER_OUT,
        world.other_cell.pk,
        False,
    )
    html = client.get(member.get_absolute_url()).content.decode()
    assert 'id="transfer-state"' in html
    assert world.other_cell.name in html


def test_unknown_codes_and_non_cells_are_refused(world, client_for) -> None:
    client = client_for(world.secretary)
    url = reverse("members:transfer_send", args=[world.plain_member.pk])
    for code in ("NOPE", world.other_commune.code, world.cell.code):
        form = {"temporary": "0", "destination": code, "date": "2026-02-02", "confirm": "1"}
        response = client.post(url, {**form, "shown": code})
        assert response.status_code == 200
        assert response.context["form"].errors["destination"], code
    assert len(_events(world.plain_member)) == 3


def test_only_the_keepers_of_the_record_send(world, client_for) -> None:
    url = reverse("members:transfer_send", args=[world.plain_member.pk])
    form = {"temporary": "0", "destination": world.cell2.code, "date": "2026-02-02"}
    for user in (world.member_user, world.outsider, world.province_user, world.secretary2):
        response = client_for(user).post(url, {**form, "confirm": "1", "shown": world.cell2.code})
        assert response.status_code == 404
    assert len(_events(world.plain_member)) == 3


# --- Receiving ------------------------------------------------------------------------------
def test_receiver_sees_the_incoming_member_only_through_the_transfer(world, client_for) -> None:
    sent = _send(world.other_member, world.cell)
    secretary = client_for(world.secretary)
    # Still in the old cell: the receiver cannot open the record…
    assert secretary.get(world.other_member.get_absolute_url()).status_code == 404
    # …but sees the incoming transfer and a limited view.
    html = secretary.get(reverse("members:transfers_incoming", args=[world.cell.pk])).content
    assert world.other_member.full_name in html.decode()
    receive = reverse("members:transfer_receive", args=[sent.pk])
    response = secretary.get(receive)
    assert response.status_code == 200
    html = response.content.decode()
    assert world.other_cell.name in html
    assert 'id="incoming-member"' in html
    assert "citizen" not in html.lower()
    # The sending commune sees it waiting, and cannot receive it itself.
    outsider = client_for(world.outsider)
    html = outsider.get(reverse("members:transfers_incoming", args=[world.other_commune.pk]))
    assert 'id="outgoing"' in html.content.decode()
    assert outsider.get(receive).status_code == 404
    assert outsider.post(receive, {"date": "2026-03-01"}).status_code == 404
    # Another cell of the same commune is not the destination.
    assert client_for(world.secretary2).get(receive).status_code == 404


def test_receipt_moves_the_record_and_its_history(world, client_for) -> None:
    sent = _send(world.other_member, world.cell)
    secretary = client_for(world.secretary)
    receive = reverse("members:transfer_receive", args=[sent.pk])
    response = secretary.post(receive, {"date": "2026-03-01", "decision_number": "5-QĐ/ĐU"})
    assert response.status_code == 302
    assert response["Location"] == world.other_member.get_absolute_url()
    member = _member(world.other_member.pk)
    assert (member.status, member.cell_id) == (MemberStatus.OFFICIAL, world.cell.pk)
    events = _events(member)
    assert [e.kind for e in events][-2:] == [EventKind.TRANSFER_OUT, EventKind.TRANSFER_IN]
    assert (events[-1].cell_id, events[-1].other_cell_id) == (world.cell.pk, world.other_cell.pk)
    assert secretary.get(member.get_absolute_url()).status_code == 200
    assert client_for(world.outsider).get(member.get_absolute_url()).status_code == 404
    # Received: the transfer is gone from the incoming list and its page.
    assert secretary.get(receive).status_code == 404
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="member.event.transfer_in")
    assert (entry.unit_id, entry.actor_id) == (world.cell.pk, world.secretary.pk)


def test_a_voided_transfer_is_not_incoming(world, client_for) -> None:
    sent = _send(world.other_member, world.cell)
    client_for(world.outsider).post(
        reverse("members:event_void", args=[sent.pk]), {"reason": "Nhầm"}
    )
    assert _member(world.other_member.pk).status == MemberStatus.OFFICIAL
    receive = reverse("members:transfer_receive", args=[sent.pk])
    assert client_for(world.secretary).get(receive).status_code == 404


def test_temporary_transfer_keeps_the_member_home(world, client_for) -> None:
    sent = _send(world.plain_member, world.cell2, temporary=True)
    member = _member(world.plain_member.pk)
    assert (member.cell_id, member.temporary_cell_id, member.status) == (
        world.cell.pk,
        world.cell2.pk,
        MemberStatus.OFFICIAL,
    )
    secretary2 = client_for(world.secretary2)
    html = secretary2.get(reverse("members:transfers_incoming", args=[world.cell2.pk]))
    assert member.full_name in html.content.decode()
    receive = reverse("members:transfer_receive", args=[sent.pk])
    response = secretary2.get(receive)
    assert response.status_code == 200
    assert response.context["form"] is None
    assert secretary2.post(receive, {"date": "2026-03-01"}).status_code == 200
    assert len(_events(member)) == 4
    # The home cell records the return.
    client = client_for(world.secretary)
    url = reverse("members:event_add", args=[member.pk])
    assert client.post(url, {"kind": "transfer_in", "date": "2026-03-01"}).status_code == 302
    assert _member(member.pk).temporary_cell_id is None
    assert secretary2.get(receive).status_code == 404


def test_incoming_page_query_count_is_constant(world, client_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.commune_user)
    url = reverse("members:transfers_incoming", args=[world.commune.pk])
    _send(world.other_member, world.cell)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        _send(make_member(world.other_cell, f"Mùa A Số {i}"), world.cell2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["incoming"]) == 6
    assert len(many) == len(few)
