"""URL patterns of the households pages (included by chibo.actions.urls, namespace ``actions``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
