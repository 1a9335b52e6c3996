"""The commune's audit trail page and export; failed logins and denied requests recorded
(issue 7, decision 0016)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from chibo.core import views_audit
from chibo.core.audit import audit_record
from chibo.core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_QUERIES = 6  # session, user, access (one query), unit, count, page


def _at(day: dt.date, **fields):
    """An entry written at noon of ``day`` (Vietnam time)."""
    moment = dt.datetime.combine(day, dt.time(12, 0), tzinfo=HANOI)
    with time_machine.travel(moment, tick=False), scopes_disabled():
        return audit_record(**fields)


@pytest.fixture
def trail(world):
    """Entries in the commune (its cells), and one in the other commune."""
    return {
        "cell_change": _at(
            dt.date(2026, 10, 5),
            actor=world.secretary,
            action="member.changed",
            obj=world.plain_member,
            unit=world.cell,
            member=world.plain_member,
            changes={"phone": ["0911", "0922"]},
        ),
        "cell2_post": _at(
            dt.date(2026, 11, 2),
            actor=world.commune_user,
            action="post.assigned",
            obj=world.cell2,
            unit=world.cell2,
        ),
        "formula": _at(
            dt.date(2026, 11, 3),
            actor=world.commune_user,
            action="orgunit.changed",
            obj=world.cell2,
            unit=world.cell2,
            changes={"name": ['=HYPERLINK("http://x")', "Chi bộ"]},
        ),
        "foreign": _at(
            dt.date(2026, 11, 2),
            actor=world.outsider,
            action="orgunit.changed",
            obj=world.other_cell,
            unit=world.other_cell,
        ),
    }


def _page(client: Client, unit, **params):
    return client.get(reverse("audit:unit", args=[unit.pk]), params)


def _actions(response) -> list[str]:
    return [e.action for e in response.context["page"].object_list]


def _ids(response, trail) -> set[int]:
    """The trail's entries on the page (the world's own setup wrote entries today as well)."""
    ours = {e.pk for e in trail.values()}
    return {e.pk for e in response.context["page"].object_list} & ours


def test_commune_sees_its_subtree_and_never_another_commune(world, client_en, trail) -> None:
    response = _page(client_en(world.commune_user), world.commune)
    assert response.status_code == 200
    shown = {e.pk for e in response.context["page"].object_list}
    assert {trail["cell_change"].pk, trail["cell2_post"].pk, trail["formula"].pk} <= shown
    assert trail["foreign"].pk not in shown
    body = response.content.decode()
    assert "Post assigned" in body  # the label, not the key
    # Even with the other commune's entry searched for by its text, it is not there.
    searched = _page(client_en(world.commune_user), world.commune, q=world.other_cell.name)
    assert searched.context["page"].paginator.count == 0


def test_the_cell_secretary_sees_only_their_cell(world, client_en, trail) -> None:
    response = _page(client_en(world.secretary), world.cell)
    shown = _ids(response, trail)
    assert trail["cell_change"].pk in shown
    assert trail["cell2_post"].pk not in shown
    assert _page(client_en(world.secretary), world.commune).status_code == 404
    assert _page(client_en(world.member_user), world.cell).status_code == 404
    assert _page(client_en(world.outsider), world.commune).status_code == 404


def test_filters(world, client_en, trail) -> None:
    client = client_en(world.commune_user)
    commune = world.commune
    posts = _page(client, commune, action="post.assigned")
    assert set(_actions(posts)) == {"post.assigned"}
    assert _ids(posts, trail) == {trail["cell2_post"].pk}
    by_secretary = _page(client, commune, actor="piếng", date_to="30/11/2026")
    assert _ids(by_secretary, trail) == {trail["cell_change"].pk}
    assert {e.actor_name for e in by_secretary.context["page"].object_list} == {"Lò Văn Piếng"}
    about = _page(client, commune, member="Tòng Thị", date_to="20/11/2026")
    assert [e.pk for e in about.context["page"].object_list] == [trail["cell_change"].pk]
    november = _page(client, commune, date_from="01/11/2026", date_to="02/11/2026")
    assert [e.pk for e in november.context["page"].object_list] == [trail["cell2_post"].pk]
    text = _page(client, commune, q="Pá Khoang", date_to="03/11/2026", action="orgunit.changed")
    assert [e.pk for e in text.context["page"].object_list] == [trail["formula"].pk]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "31/02/2026"},
        {"date_from": "05/11/2026", "date_to": "01/11/2026"},
        {"action": "no.such_action"},
        {"actor": "x" * 500},
    ],
)
def test_bad_filters_get_a_message_not_a_500(world, client_en, trail, params) -> None:
    response = _page(client_en(world.commune_user), world.commune, **params)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert response.context["page"].paginator.count == 0


def test_filters_survive_paging(world, client_en, trail, monkeypatch) -> None:
    monkeypatch.setattr(views_audit, "PAGE_SIZE", 1)
    for _ in range(2):
        _at(
            dt.date(2026, 11, 4),
            actor=world.commune_user,
            action="post.assigned",
            obj=world.cell2,
            unit=world.cell2,
        )
    response = _page(client_en(world.commune_user), world.commune, action="post.assigned")
    assert 'href="?action=post.assigned&amp;page=2"' in response.content.decode()


def test_query_count_is_constant_with_5_and_50_entries(world, client_en) -> None:
    client = client_en(world.commune_user)
    _page(client, world.commune)

    def measured() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = _page(client, world.commune)
        assert response.status_code == 200
        return len(queries)

    def add(n: int) -> None:
        with scopes_disabled():
            for i in range(n):
                audit_record(
                    actor=world.secretary,
                    action="member.changed",
                    obj=world.plain_member,
                    unit=world.cell,
                    member=world.plain_member,
                    changes={"phone": [str(i), str(i + 1)]},
                )

    add(5)
    five = measured()
    add(45)
    # The same with 50 entries: nothing is read per entry.
    assert five == PAGE_QUERIES
    assert measured() == PAGE_QUERIES


def _sheet_rows(content: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(content))
    return list(book.active.iter_rows(values_only=True))


def test_export_reads_back_and_is_itself_audited(world, client_en, trail) -> None:
    client = client_en(world.commune_user)
    url = reverse("audit:export", args=[world.commune.pk])
    response = client.get(url, {"date_from": "01/11/2026", "date_to": "20/11/2026"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet_rows(response.content)
    assert rows[0][1] == f"{world.commune.name} ({world.commune.code})"
    assert rows[1][0] == "Filters"
    assert "01/11/2026" in rows[1][1]
    assert rows[2][0] == "Exported at"
    titles = rows[5]
    assert titles[0] == "Time"
    body = rows[6:]
    objects = {row[4] for row in body}
    assert world.other_cell.name not in objects
    assert {row[3] for row in body} == {"post.assigned", "orgunit.changed"}
    formula_row = next(row for row in body if row[3] == "orgunit.changed")
    assert formula_row[8].startswith('{"name": ["=HYPERLINK')  # text, not a formula
    book = load_workbook(io.BytesIO(response.content))
    cells = [c for row in book.active.iter_rows() for c in row if c.value]
    assert all(c.data_type != "f" for c in cells)
    with scopes_disabled():
        exported = AuditEntry.objects.get(action="audit.exported")
    assert exported.unit_id == world.commune.pk
    assert exported.actor_id == world.commune_user.pk
    assert exported.changes["rows"] == [None, 2]


def test_csv_export_has_a_bom_and_no_formulas(world, client_en, trail) -> None:
    client = client_en(world.commune_user)
    url = reverse("audit:export", args=[world.commune.pk])
    response = client.get(url, {"format": "csv", "action": "orgunit.changed"})
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "Đảng bộ xã Nậm Tăm" in text
    assert "\n=" not in text
    assert ",=" not in text


def test_export_over_the_cap_is_refused_with_a_message(world, client_en, trail, monkeypatch):
    monkeypatch.setattr(views_audit, "EXPORT_LIMIT", 2)
    client = client_en(world.commune_user)
    response = client.get(reverse("audit:export", args=[world.commune.pk]), follow=True)
    assert response.status_code == 200
    assert "more than the 2 an export may hold" in response.content.decode()
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="audit.exported").exists()


def test_the_unit_page_links_to_the_trail_for_those_who_can_read_it(world, client_en) -> None:
    link = reverse("audit:unit", args=[world.cell.pk])
    assert link in client_en(world.secretary).get(world.cell.get_absolute_url()).content.decode()
    member_page = client_en(world.member_user).get(world.cell.get_absolute_url())
    assert link not in member_page.content.decode()


# --- Failed logins --------------------------------------------------------------------------


def test_a_failed_login_writes_one_entry_without_the_password(world, client_en) -> None:
    secret = "Sai-mat-khau-9731"
    response = Client(REMOTE_ADDR="203.0.113.9").post(
        reverse("accounts:login"), {"username": "secretary", "password": secret}
    )
    assert response.status_code == 200
    with scopes_disabled():
        entries = list(AuditEntry.objects.filter(action="auth.login_failed"))
        assert len(entries) == 1
        entry = entries[0]
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM core_auditentry WHERE id = %s", [entry.pk])
            row = cursor.fetchone()
    assert entry.object_repr == "secretary"
    assert entry.ip == "203.0.113.9"
    assert entry.actor_id is None
    assert entry.object_id == str(world.secretary.pk)
    assert entry.unit_id == world.cell.pk  # filed under the account's cell
    assert not any(secret in str(value) for value in row)
    # The commune sees it in its trail.
    shown = _page(client_en(world.commune_user), world.commune, action="auth.login_failed")
    assert [e.pk for e in shown.context["page"].object_list] == [entry.pk]


def test_failed_logins_for_unknown_names_are_kept_for_superusers(world) -> None:
    Client().post(reverse("accounts:login"), {"username": "nobody-here", "password": "x"})
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.unit_id is None
    assert entry.object_id == ""
    assert entry.object_repr == "nobody-here"


def test_axes_lockout_still_works_and_the_trail_is_not_flooded(world, settings) -> None:
    client = Client()
    login = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(login, {"username": "secretary", "password": "no"}).status_code == 200
    assert client.post(login, {"username": "secretary", "password": "no"}).status_code == 429
    assert client.post(login, {"username": "secretary", "password": PASSWORD}).status_code == 429
    with scopes_disabled():
        # Same name, same address, within a minute: one entry, axes counts the rest.
        assert AuditEntry.objects.filter(action="auth.login_failed").count() == 1


def test_a_new_minute_writes_a_new_entry(world) -> None:
    login = reverse("accounts:login")
    start = dt.datetime(2026, 11, 24, 8, 0, tzinfo=HANOI)
    with time_machine.travel(start, tick=False):
        Client().post(login, {"username": "secretary", "password": "no"})
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        Client().post(login, {"username": "secretary", "password": "no"})
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="auth.login_failed").count() == 2


# --- Denied requests -----------------------------------------------------------------------


def test_a_denied_request_is_recorded_once_per_minute(world, client_en) -> None:
    client = client_en(world.commune_user)
    foreign = reverse("orgunits:detail", args=[world.other_commune.pk])
    assert client.get(foreign).status_code == 404
    assert client.get(foreign).status_code == 404
    with scopes_disabled():
        entries = list(AuditEntry.objects.filter(action="access.denied"))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor_id == world.commune_user.pk
    assert entry.object_repr == f"GET {foreign}"
    assert entry.object_id == "orgunits:detail"
    assert entry.changes == {"status": [None, 404]}
    assert entry.unit_id == world.commune.pk  # the actor's unit
    shown = _page(client, world.commune, action="access.denied")
    assert [e.pk for e in shown.context["page"].object_list] == [entry.pk]
    # The other commune does not see it: it is filed under the user's commune.
    other = _page(client_en(world.outsider), world.other_commune, action="access.denied")
    assert other.context["page"].paginator.count == 0


def test_unknown_paths_and_anonymous_requests_are_not_recorded(world, client_en) -> None:
    client = client_en(world.commune_user)
    assert client.get("/no/such/page/").status_code == 404
    assert client.get("/static/missing.css").status_code == 404
    anonymous = Client().get(reverse("orgunits:detail", args=[world.other_commune.pk]))
    assert anonymous.status_code == 302
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="access.denied").exists()


def test_a_member_is_filed_under_their_cell(world, client_en) -> None:
    client = client_en(world.member_user)
    assert client.get(reverse("audit:unit", args=[world.cell.pk])).status_code == 404
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="access.denied")
    assert entry.unit_id == world.cell.pk
    assert entry.object_id == "audit:unit"
