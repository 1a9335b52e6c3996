"""URL patterns of the items pages (included by chibo.actions.urls, namespace ``actions``)."""

from django.urls import URLPattern, path

from chibo.actions import views_items as views

urlpatterns: list[URLPattern] = [
    # A cell's items, and adding the commune's guidance or a document's plan.
    path("cell/<int:pk>/items/", views.cell_items, name="cell_items"),
    path("cell/<int:pk>/items/guidance/", views.guidance_add, name="guidance_add"),
    path("cell/<int:pk>/items/document/", views.document_add, name="document_add"),
    # A meeting's items (from its resolution) and the review of the open ones.
    path("meeting/<int:pk>/items/", views.meeting_items, name="meeting_items"),
    path("meeting/<int:pk>/review/", views.meeting_review, name="meeting_review"),
    # One item.
    path("item/<int:pk>/", views.item, name="item"),
    path("item/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("item/<int:pk>/report/", views.item_report, name="item_report"),
]
