"""The exports (placeholder: being written)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def dashboard_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


@login_required
def report_docx(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
