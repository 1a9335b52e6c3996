from django.urls import path

from chibo.exchange import views

app_name = "exchange"
urlpatterns = [
    path("unit/<int:pk>/", views.unit_page, name="unit"),
    path("unit/<int:pk>/register.xlsx", views.register_download, name="export"),
    path("unit/<int:pk>/reconcile/", views.reconcile, name="reconcile"),
    path("job/<int:pk>/", views.job, name="job"),
    path("job/<int:pk>/step/", views.job_step, name="job_step"),
]
