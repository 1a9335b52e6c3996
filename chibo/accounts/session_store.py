"""Django's database sessions, read with one hand-written statement (decision 0020).

Same table, same rows, same encoding as ``django.contrib.sessions.backends.db``: only the read
that every signed-in request makes skips the ORM's query building. ``SESSION_ENGINE`` names
this module.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from chibo.core import rawsql


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        using = router.db_for_read(self.model)
        quote = connections[using].ops.quote_name
        row = rawsql.fetch_one(
            f"SELECT {quote('session_data')} FROM {quote(self.model._meta.db_table)}"  # noqa: S608
            f" WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s",
            [key, rawsql.datetime_param(timezone.now(), using=using)],
            using=using,
        )
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=key, session_data=row[0])
