"""URLs of the dashboards, their drill-down pages and the targets."""

from django.urls import path

from chibo.reports import views, views_behind

urlpatterns = [
    path("units/<int:pk>/", views.dashboard, name="dashboard"),
    path("units/<int:pk>/targets/", views.targets, name="targets"),
    path("units/<int:pk>/members/<slug:key>/", views_behind.members, name="members"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
]
