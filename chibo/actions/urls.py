"""URLs of action items, households and study sessions (``/actions/``): one module of
patterns per area, so each stays small."""

from chibo.actions import urls_households, urls_items, urls_studies

app_name = "actions"
urlpatterns = urls_items.urlpatterns + urls_households.urlpatterns + urls_studies.urlpatterns
