"""The dashboards (placeholder: being written)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
