"""URLs of the exports: a dashboard to XLSX, a unit's periodic report to DOCX."""

from django.urls import path

from chibo.reports import views_exports

urlpatterns = [
    path("units/<int:pk>/indicators.xlsx", views_exports.dashboard_xlsx, name="dashboard_xlsx"),
    path("units/<int:pk>/report.docx", views_exports.report_docx, name="report_docx"),
]
