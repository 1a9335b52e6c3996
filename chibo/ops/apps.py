from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Chibo: backups and restores, health, and the operator's checks."""

    name = "chibo.ops"
    label = "ops"
    verbose_name = _("Operations")
