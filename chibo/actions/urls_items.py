"""URL patterns of the items pages (included by chibo.actions.urls, namespace ``actions``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
