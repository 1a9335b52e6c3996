from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "chibo.actions"
    label = "actions"
    verbose_name = _("Action items and households")
