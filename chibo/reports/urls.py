"""URLs of the reports (``/reports/``): the dashboards and targets, and the exports."""

from chibo.reports import urls_dashboard, urls_exports

app_name = "reports"
urlpatterns = urls_dashboard.urlpatterns + urls_exports.urlpatterns
