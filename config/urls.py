from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from chibo.api.api import api
from chibo.core import views as core_views
from chibo.ops import health

admin.site.site_header = _("Chibo administration")
admin.site.site_title = _("Chibo")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("me/", core_views.me, name="me"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("chibo.accounts.urls")),
    path("units/", include("chibo.orgunits.urls")),
    path("members/", include("chibo.members.urls")),
    path("exchange/", include("chibo.exchange.urls")),
    path("meetings/", include("chibo.meetings.urls")),
    path("actions/", include("chibo.actions.urls")),
    path("reports/", include("chibo.reports.urls")),
    path("audit/", include("chibo.core.urls_audit")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "chibo.core.views.not_found"
