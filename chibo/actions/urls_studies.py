"""URL patterns of the study-session pages (included by chibo.actions.urls, namespace
``actions``)."""

from django.urls import path

from chibo.actions import views_studies

urlpatterns = [
    path("cell/<int:pk>/documents/", views_studies.cell_studies, name="studies"),
    path("cell/<int:pk>/documents/add/", views_studies.study_add, name="study_add"),
    path("study/<int:pk>/", views_studies.study_edit, name="study_edit"),
    path("study/<int:pk>/plan/", views_studies.study_plan_add, name="study_plan_add"),
    path("commune/<int:pk>/documents/", views_studies.commune_documents, name="commune_documents"),
]
