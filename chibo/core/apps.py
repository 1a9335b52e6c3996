from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "chibo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed
        from django.db.backends.signals import connection_created

        from chibo.core import lookups, scoping  # noqa: F401  (register __within, __any_of)
        from chibo.core.audit import on_login_failed
        from chibo.core.audit_lock import register_sqlite_function

        # The audit triggers' function on SQLite (decision 0016).
        connection_created.connect(register_sqlite_function, dispatch_uid="chibo_audit_lock")
        user_login_failed.connect(on_login_failed, dispatch_uid="chibo_audit_login_failed")
