from django.urls import path

from chibo.orgunits import views

app_name = "orgunits"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/add/", views.add_child, name="add_child"),
    path("<int:pk>/posts/add/", views.post_assign, name="post_assign"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    path("<int:pk>/access/", views.access_list, name="access"),
    path("grants/<int:pk>/remove/", views.grant_remove, name="grant_remove"),
]
