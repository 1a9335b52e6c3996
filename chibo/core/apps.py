from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "chibo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from chibo.core import lookups, scoping  # noqa: F401  (register __within, __any_of)
