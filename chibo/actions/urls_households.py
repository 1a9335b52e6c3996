"""URL patterns of the households pages, the commune's view of action items and the monthly
results (included by chibo.actions.urls, namespace ``actions``)."""

from django.urls import URLPattern, path

from chibo.actions import views_households, views_reports

urlpatterns: list[URLPattern] = [
    # A cell's households, and one household.
    path("households/<int:pk>/", views_households.households, name="households"),
    path("households/<int:pk>/add/", views_households.household_add, name="household_add"),
    path("household/<int:pk>/", views_households.household, name="household"),
    path("household/<int:pk>/edit/", views_households.household_edit, name="household_edit"),
    path(
        "household/<int:pk>/deactivate/",
        views_households.household_deactivate,
        name="household_deactivate",
    ),
    path("household/<int:pk>/assign/", views_households.household_assign, name="household_assign"),
    path(
        "household/assignment/<int:pk>/end/",
        views_households.household_assignment_end,
        name="household_assignment_end",
    ),
    path(
        "household/<int:pk>/contact/",
        views_households.household_contact,
        name="household_contact",
    ),
    # The commune's view of its cells' action items.
    path("commune/<int:pk>/", views_reports.commune, name="commune"),
    # Monthly results: a cell's members, one member.
    path("results/cell/<int:pk>/", views_reports.cell_results, name="cell_results"),
    path("results/member/<int:pk>/", views_reports.member_results, name="member_results"),
]
