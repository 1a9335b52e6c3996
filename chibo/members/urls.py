from django.urls import path

from chibo.members import urls_lifecycle, urls_records, views

app_name = "members"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("unit/<int:pk>/", views.unit_members, name="unit_list"),
    *urls_records.urlpatterns,
    *urls_lifecycle.urlpatterns,
]
