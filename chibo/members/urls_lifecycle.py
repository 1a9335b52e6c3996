"""Events, transfers and deadlines (lifecycle part of the member-record issue)."""

from django.urls import path

from chibo.members import views_lifecycle as views

urlpatterns = [
    path("<int:pk>/events/add/", views.event_add, name="event_add"),
    path("events/<int:pk>/void/", views.event_void, name="event_void"),
    path("<int:pk>/transfer/", views.transfer_send, name="transfer_send"),
    path(
        "transfers/incoming/unit/<int:pk>/",
        views.transfers_incoming,
        name="transfers_incoming",
    ),
    path("transfers/<int:pk>/receive/", views.transfer_receive, name="transfer_receive"),
]
