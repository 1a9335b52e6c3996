"""Chibo's URLs plus the load benchmark's reference view (see load_settings.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler404
from config.urls import urlpatterns as chibo_urlpatterns


def minimal(request: HttpRequest) -> HttpResponse:
    """The reference: the whole middleware stack, no template, no query."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal), *chibo_urlpatterns]

__all__ = ["handler404", "urlpatterns"]
