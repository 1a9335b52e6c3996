from django.urls import path

from chibo.meetings import views, views_agenda, views_minutes, views_roll

app_name = "meetings"
urlpatterns = [
    # A cell's year, the commune's page, a member's record.
    path("cell/<int:pk>/", views.cell_year, name="cell_year"),
    path("cell/<int:pk>/plan/", views.plan_year, name="plan_year"),
    path("cell/<int:pk>/add/", views.add, name="add"),
    path("commune/<int:pk>/", views.commune, name="commune"),
    path("commune/<int:pk>/day/<int:cell_pk>/", views.day_set, name="day_set"),
    path("commune/<int:pk>/model/<int:cell_pk>/", views.model_cell, name="model_cell"),
    path("member/<int:pk>/", views.member_year, name="member_year"),
    # One meeting: preparation and notice.
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/agenda/build/", views.agenda_build, name="agenda_build"),
    path("<int:pk>/agenda/add/", views.agenda_add, name="agenda_add"),
    path("agenda/<int:pk>/", views.agenda_edit, name="agenda_edit"),
    path("agenda/<int:pk>/delete/", views_agenda.agenda_delete, name="agenda_delete"),
    path("agenda/<int:pk>/move/", views_agenda.agenda_move, name="agenda_move"),
    # Agenda templates: a commune's or a cell's own, and those offered to copy.
    path("templates/<int:pk>/", views_agenda.agenda_templates, name="agenda_templates"),
    path("templates/<int:pk>/add/", views_agenda.agenda_template_add, name="agenda_template_add"),
    path("template/<int:pk>/", views_agenda.agenda_template_edit, name="agenda_template_edit"),
    path(
        "template/<int:pk>/withdraw/",
        views_agenda.agenda_template_withdraw,
        name="agenda_template_withdraw",
    ),
    path("<int:pk>/notify/", views.notify, name="notify"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    # The meeting itself and its minutes.
    path("<int:pk>/roll/", views_roll.roll, name="roll"),
    path("<int:pk>/minutes/", views_minutes.minutes, name="minutes"),
    path("<int:pk>/minutes/speech/", views_minutes.speech_add, name="speech_add"),
    path("<int:pk>/minutes/resolution/", views_minutes.resolution, name="resolution"),
    path("<int:pk>/lock/", views_minutes.lock, name="lock"),
    path("<int:pk>/amend/", views_minutes.amend, name="amend"),
    path("<int:pk>/print/", views_minutes.print_minutes, name="print"),
    path("<int:pk>/minutes.docx", views_minutes.minutes_docx, name="minutes_docx"),
    path("<int:pk>/quality/", views_minutes.quality, name="quality"),
]
