from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from chibo.core.roles import Cap
from chibo.core.views import apply_validation_error
from chibo.exchange import selectors, services
from chibo.exchange.forms import CommitForm, UploadForm
from chibo.exchange.models import ImportJob, JobStatus, RowStatus
from chibo.exchange.xlsx import XLSX_TYPE
from chibo.orgunits.models import OrgUnit
from chibo.orgunits.selectors import unit_get

SHOWN_ROWS = 300


def _xlsx_response(unit: OrgUnit, data: bytes, label: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    name = f"{label}-{unit.code}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def unit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Export, import and the quarterly check for one unit."""
    access = request.access  # type: ignore[attr-defined]
    unit = unit_get(access=access, pk=pk, capability=Cap.MEMBER_VIEW)
    can_import = access.can(Cap.MEMBER_CHANGE, unit)
    if request.method == "POST" and not can_import:
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_create(
                actor=request.user, unit=unit, stream=upload, filename=upload.name, size=upload.size
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect(job)
    context = {
        "unit": unit,
        "form": form,
        "can_import": can_import,
        "jobs": selectors.import_jobs_recent(access=access, unit=unit) if can_import else [],
    }
    return render(request, "exchange/unit.html", context)


@login_required
def register_download(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_get(access=request.access, pk=pk, capability=Cap.MEMBER_VIEW)  # type: ignore[attr-defined]
    out = io.BytesIO()
    services.register_export(actor=request.user, unit=unit, target=out)
    return _xlsx_response(unit, out.getvalue(), "so-danh-sach-dang-vien")


def _job_context(job: ImportJob, form: CommitForm) -> dict[str, object]:
    counts = dict.fromkeys(RowStatus.values, 0)
    for result in job.results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    labels = dict(RowStatus.choices)
    problems = [
        {**r, "label": labels.get(r["status"], "")}
        for r in job.results
        if r["status"] in {RowStatus.ERROR, RowStatus.DIFFERS}
    ]
    return {
        "job": job,
        "unit": job.unit,
        "form": form,
        "counts": counts,
        "labels": labels,
        "problems": problems[:SHOWN_ROWS],
        "more_problems": max(0, len(problems) - SHOWN_ROWS),
        "added": [r for r in job.results if r["status"] == RowStatus.CREATED][:SHOWN_ROWS],
    }


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    """An uploaded file: its check in progress, the result of every row, then the import."""
    job = selectors.import_job_get(access=request.access, pk=pk)  # type: ignore[attr-defined]
    form = CommitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.import_job_commit(
                actor=request.user, job=job, mode=form.cleaned_data["mode"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            created = outcome.counts()[RowStatus.CREATED]
            if outcome.committed:
                messages.success(request, _("%(n)d members have been added.") % {"n": created})
            else:
                messages.warning(request, _("Nothing was imported: some rows have errors."))
            return redirect(job)
    return render(request, "exchange/job.html", _job_context(job, form))


@login_required
def job_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Check the next rows (POST); htmx asks again until all are checked."""
    job = selectors.import_job_get(access=request.access, pk=pk)  # type: ignore[attr-defined]
    if request.method == "POST":
        job = services.import_job_step(actor=request.user, job=job)
        if not request.htmx:  # type: ignore[attr-defined]
            return redirect(job)
        if job.status != JobStatus.CHECKING:
            return HttpResponseClientRedirect(job.get_absolute_url())
    return render(request, "exchange/job.html#progress", {"job": job})


@login_required
def reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    """The quarterly check with the commune: save this quarter's register and see the changes."""
    unit = unit_get(access=request.access, pk=pk, capability=Cap.MEMBER_VIEW)  # type: ignore[attr-defined]
    if request.method == "POST":
        snapshot = services.register_snapshot_save(actor=request.user, unit=unit)
        out = io.BytesIO()
        services.register_export(actor=request.user, unit=unit, target=out)
        label = f"doi-chieu-q{snapshot.quarter}-{snapshot.year}"
        return _xlsx_response(unit, out.getvalue(), label)
    quarters = selectors.register_quarters(unit=unit)
    current = services.register_snapshot_rows(unit=unit)
    year, quarter = services.quarter_of(timezone.localdate())
    context = {
        "unit": unit,
        "quarters": quarters,
        "since_last": selectors.register_diff(quarters[0].snapshot.rows, current)
        if quarters
        else None,
        "current_count": len(current),
        "year": year,
        "quarter": quarter,
    }
    return render(request, "exchange/reconcile.html", context)
