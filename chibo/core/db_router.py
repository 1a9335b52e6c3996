"""Sending the reports' reads to a read replica (``DATABASE_REPLICA_URL``, issue 6).

Installed by the settings only when ``DATABASE_REPLICA_URL`` is set; then the ``replica``
alias names a PostgreSQL standby of the primary (``default``).

- **Reads of the rollup** (``reports.CellMonth``: the dashboards, the breakdowns, their
  exports) go to the replica. They are the heavy reads (a national view aggregates about
  220,000 cells × 12 months) and a few seconds of replication lag do not matter to them.
- **Everything else goes to the primary**: every write, and the reads of every other model.
  ``reports.Target`` stays there too: a committee sets a target and expects to see it at once
  on the next page (a replica a few seconds behind would not show it yet), and the table is
  a few rows per unit, so reading it elsewhere would spare the primary nothing.
- **Inside a transaction on the primary, reads stay on the primary**, the rollup's included:
  a service that writes rows and reads them back (``rollup.refresh`` looks for rows it must
  delete) must see its own writes, which a replica never shows before the commit.
- Relations between objects of the two aliases are allowed (they are the same data);
  migrations run on the primary only (a standby is read-only and gets the schema by
  replication).
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

REPLICA = "replica"
# The models whose reads may be served by the replica, as "app_label.model_name".
REPLICA_MODELS = frozenset({"reports.cellmonth"})


class ReportsReplicaRouter:
    """The rollup's reads to ``replica`` (when that alias exists), all else to ``default``."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if (
            model._meta.label_lower in REPLICA_MODELS
            and REPLICA in connections
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        both = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in both and obj2._state.db in both:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None
