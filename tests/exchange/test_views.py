from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from chibo.exchange import services, views
from chibo.exchange.models import ImportJob, JobStatus, RegisterSnapshot, RowStatus
from chibo.exchange.xlsx import XLSX_TYPE
from chibo.members.models import Member
from tests.exchange.helpers import simple_rows, xlsx_bytes
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def people(n: int, start: int = 0):
    return [
        (f"Lò Văn Số {i}", "01/02/1980", "Nam", "10/03/2005", "", f"{10_000_000 + i}")
        for i in range(start, start + n)
    ]


def upload(client, unit, data: bytes, name: str = "danh-sach.xlsx"):
    return client.post(
        reverse("exchange:unit", args=[unit.pk]), {"file": SimpleUploadedFile(name, data)}
    )


def test_upload_check_by_htmx_steps_then_import(world, client_for, monkeypatch) -> None:
    monkeypatch.setattr(services, "JOB_CHUNK", 2)
    client = client_for(world.commune_user)
    rows = simple_rows(world.cell.name, people(5))
    rows.append(["", "", "01/01/1980", "Nam", "", "01/01/2010", "", "", world.cell.name])
    response = upload(client, world.commune, xlsx_bytes(rows))
    assert response.status_code == 302
    with scopes_disabled():
        job = ImportJob.objects.get()
    assert (job.total_rows, job.status, job.created_by) == (
        6,
        JobStatus.CHECKING,
        world.commune_user,
    )
    page = client.get(job.get_absolute_url())
    assert 'id="progress-bar"' in page.content.decode()
    step = reverse("exchange:job_step", args=[job.pk])
    response = client.post(step, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'value="2"' in response.content.decode()
    client.post(step, headers={"HX-Request": "true"})
    response = client.post(step, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    assert [r["status"] for r in job.results] == [RowStatus.NEW] * 5 + [RowStatus.ERROR]
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="row-7"' in page
    assert 'id="commit"' in page
    with scopes_disabled():
        before = Member.objects.count()
    response = client.post(job.get_absolute_url(), {"mode": "valid_rows"})
    assert response.status_code == 302
    job.refresh_from_db()
    with scopes_disabled():
        assert Member.objects.count() == before + 5
    assert job.status == JobStatus.COMMITTED
    assert job.rows == []
    # A second commit does nothing more.
    response = client.post(job.get_absolute_url(), {"mode": "valid_rows"})
    assert response.status_code == 200
    with scopes_disabled():
        assert Member.objects.count() == before + 5


def test_without_javascript_the_continue_button_works(world, client_for) -> None:
    client = client_for(world.secretary)
    upload(client, world.cell, xlsx_bytes(simple_rows(world.cell.name, people(3))))
    with scopes_disabled():
        job = ImportJob.objects.get()
    response = client.post(reverse("exchange:job_step", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.READY


def test_all_or_nothing_refuses_from_the_page(world, client_for) -> None:
    client = client_for(world.secretary)
    rows = simple_rows(world.cell.name, [*people(2), ("X", "31/02/1980", "Nam", "", "", "")])
    upload(client, world.cell, xlsx_bytes(rows))
    with scopes_disabled():
        job = ImportJob.objects.get()
        services.import_job_step(actor=world.secretary, job=job)
        before = Member.objects.count()
    client.post(job.get_absolute_url(), {"mode": "all_or_nothing"})
    job.refresh_from_db()
    assert job.status == JobStatus.REFUSED
    with scopes_disabled():
        assert Member.objects.count() == before


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"garbage", "a.xlsx"), (b"", "a.csv"), (b"\x00\x01", "a.xls"), (b"a,b\n", "a.csv")],
)
def test_bad_files_show_an_error_not_a_500(world, client_for, data, name) -> None:
    response = upload(client_for(world.secretary), world.cell, data, name)
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()
    with scopes_disabled():
        assert not ImportJob.objects.exists()


def test_oversized_upload_is_refused(world, client_for, monkeypatch) -> None:
    monkeypatch.setattr("chibo.exchange.forms.MAX_UPLOAD_BYTES", 10)
    response = upload(client_for(world.secretary), world.cell, b"x" * 20)
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()


@pytest.mark.parametrize("role", ["member", "outsider", "province"])
def test_who_may_not_import_gets_404(world, client_for, role) -> None:
    data = xlsx_bytes(simple_rows(world.cell.name, people(1)))
    response = upload(client_for(world.users()[role]), world.cell, data)
    assert response.status_code == 404


def test_jobs_of_others_are_404(world, client_for) -> None:
    client = client_for(world.secretary)
    upload(client, world.cell, xlsx_bytes(simple_rows(world.cell.name, people(1))))
    with scopes_disabled():
        job = ImportJob.objects.get()
    for role in ["commune", "member", "outsider", "province"]:
        other = client_for(world.users()[role])
        assert other.get(job.get_absolute_url()).status_code == 404
        assert other.post(job.get_absolute_url(), {"mode": "valid_rows"}).status_code == 404
        step = reverse("exchange:job_step", args=[job.pk])
        assert other.post(step).status_code == 404


def test_export_download(world, client_for) -> None:
    response = client_for(world.secretary).get(reverse("exchange:export", args=[world.cell.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=10, values_only=True)]
    assert names == ["Tòng Thị Ánh", "Lò Văn Piếng"]


def test_export_query_count_is_constant(world, client_for) -> None:
    client = client_for(world.commune_user)
    url = reverse("exchange:export", args=[world.commune.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(20):
        make_member(world.cell2, f"Lò Văn Thêm {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_exchange_page_query_count_is_constant(world, client_for) -> None:
    client = client_for(world.commune_user)
    url = reverse("exchange:unit", args=[world.commune.pk])
    for _ in range(2):
        upload(client, world.commune, xlsx_bytes(simple_rows(world.cell.name, people(2))))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        upload(client, world.commune, xlsx_bytes(simple_rows(world.cell.name, people(30))))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_reconcile_saves_a_quarter_and_shows_the_changes(world, client_for) -> None:
    client = client_for(world.commune_user)
    url = reverse("exchange:reconcile", args=[world.commune.pk])
    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    with scopes_disabled():
        snapshot = RegisterSnapshot.objects.get(unit=world.commune)
        assert len(snapshot.rows) == 3
        snapshot.year -= 1
        snapshot.save(update_fields=["year"])
    make_member(world.cell2, "Người Mới Vào")
    client.post(url)
    page = client.get(url).content.decode()
    assert 'data-change="joined"' in page
    assert "Người Mới Vào" in page
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert len(queries) < 12


def test_reconcile_post_is_404_for_the_plain_member_and_the_outsider(world, client_for) -> None:
    url = reverse("exchange:reconcile", args=[world.cell.pk])
    for role in ["member", "outsider"]:
        assert client_for(world.users()[role]).post(url).status_code == 404
    with scopes_disabled():
        assert not RegisterSnapshot.objects.exists()


def test_shown_rows_are_capped(world, client_for, monkeypatch) -> None:
    monkeypatch.setattr(views, "SHOWN_ROWS", 2)
    client = client_for(world.secretary)
    rows = simple_rows(world.cell.name, [("", "x", "Nam", "", "", "")] * 5)
    upload(client, world.cell, xlsx_bytes(rows))
    with scopes_disabled():
        job = ImportJob.objects.get()
        services.import_job_step(actor=world.secretary, job=job)
    page = client.get(job.get_absolute_url()).content.decode()
    assert page.count('data-status="error"') == 3  # the count line and two rows
