from django.urls import path

from chibo.core import views_audit

app_name = "audit"
urlpatterns = [
    path("units/<int:pk>/", views_audit.unit_trail, name="unit"),
    path("units/<int:pk>/export/", views_audit.export, name="export"),
]
