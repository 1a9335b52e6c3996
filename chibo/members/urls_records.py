"""Member list, search, record add/edit (records part of the member-record issue)."""

from django.urls import path

from chibo.members import views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("unit/<int:pk>/add/", views.add, name="add"),
    path("<int:pk>/edit/", views.edit, name="edit"),
]
