"""The read-replica router (``DATABASE_REPLICA_URL``): the rollup's reads go to ``replica``,
writes and every other model to ``default``."""

from __future__ import annotations

import copy
import datetime as dt
import runpy
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from chibo.core.db_router import REPLICA, ReportsReplicaRouter
from chibo.orgunits.models import OrgUnit, UnitKind
from chibo.reports import indicators, rollup
from chibo.reports.indicators import Period
from chibo.reports.models import CellMonth, Target
from chibo.reports.services import TargetData, target_create
from tests.factories import make_unit

SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"
ROUTERS = ["chibo.core.db_router.ReportsReplicaRouter"]
TODAY = dt.date(2025, 3, 20)
QUARTER = Period.quarter(2025, 1)


# --- Settings ----------------------------------------------------------------------------------
def test_settings_without_replica_url_install_no_router(monkeypatch):
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    values = runpy.run_path(str(SETTINGS))
    assert set(values["DATABASES"]) == {"default"}
    assert "DATABASE_ROUTERS" not in values


def test_settings_with_replica_url_add_the_alias_and_the_router(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader:pw@standby.example:5433/chibo")
    values = runpy.run_path(str(SETTINGS))
    replica = values["DATABASES"]["replica"]
    assert replica["ENGINE"] == "django.db.backends.postgresql"
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("standby.example", 5433, "chibo")
    assert replica["USER"] == "reader"
    # In tests the replica stands for the default test database.
    assert replica["TEST"] == {"MIRROR": "default"}
    assert values["DATABASE_ROUTERS"] == ROUTERS


# --- The router's answers ----------------------------------------------------------------------
@pytest.mark.skipif(REPLICA in connections, reason="DATABASE_REPLICA_URL is set")
def test_without_a_replica_alias_everything_is_default():
    router = ReportsReplicaRouter()
    assert router.db_for_read(CellMonth) == DEFAULT_DB_ALIAS
    assert router.db_for_write(CellMonth) == DEFAULT_DB_ALIAS


def test_never_migrates_on_the_replica():
    router = ReportsReplicaRouter()
    assert router.allow_migrate(REPLICA, "reports", model_name="cellmonth") is False
    assert router.allow_migrate(REPLICA, "members") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "reports", model_name="cellmonth") is None


def test_relations_across_the_two_aliases_are_allowed():
    router = ReportsReplicaRouter()
    row, unit = CellMonth(), OrgUnit()
    row._state.db, unit._state.db = REPLICA, DEFAULT_DB_ALIAS
    assert router.allow_relation(row, unit) is True
    unit._state.db = "elsewhere"
    assert router.allow_relation(row, unit) is None


# --- With a replica: a second alias on the same test database ----------------------------------
@pytest.fixture(scope="class")
def replica_alias(django_db_setup):
    """A ``replica`` alias on the test database, as ``TEST: {"MIRROR": "default"}`` makes one
    (class scope: it must exist before the test's database access is set up)."""
    if REPLICA in connections:  # DATABASE_REPLICA_URL is set: the settings made it a mirror
        yield REPLICA
        return
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
    connections.settings[REPLICA] = settings_dict
    yield REPLICA
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica(replica_alias):
    """The replica's connection, with the router installed. The tests are transactional:
    what they write on ``default`` is committed, so the second connection sees it, as a
    standby would."""
    with override_settings(DATABASE_ROUTERS=ROUTERS):
        yield connections[replica_alias]


@pytest.fixture
def tree(replica):
    province = make_unit(None, "Đảng bộ tỉnh Bản Sao", UnitKind.PROVINCE)
    commune = make_unit(province, "Đảng bộ xã Phó Bản", UnitKind.COMMUNE)
    cells = [make_unit(commune, f"Chi bộ bản {n}", UnitKind.CELL) for n in ("Một", "Hai")]
    rollup.rebuild(today=TODAY)
    return province, commune, cells


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
class TestWithReplica:
    def test_the_indicators_read_the_replica(self, replica, tree):
        province, commune, _cells = tree
        with (
            CaptureQueriesContext(replica) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        ):
            found = indicators.breakdown(province, QUARTER, today=TODAY)
            trend = indicators.monthly_trend(province, QUARTER, today=TODAY)
            bands = indicators.quality_distribution(province, QUARTER, today=TODAY)
        assert len(on_replica) == 3
        assert all("reports_cellmonth" in q["sql"] for q in on_replica.captured_queries)
        assert len(on_default) == 0
        # The replica is the same data: two cells, three months each, of which the current
        # month's meeting is not due yet (the cells have no fixed day, so it falls due with
        # the month's end).
        assert (found.total.cells, found.total.cell_months) == (2, 4)
        assert list(found.children) == [commune.path]
        assert [point.cell_months for point in trend] == [2, 2, 0]
        assert bands["none"] == 2

    def test_orm_reads_of_the_rollup_use_the_replica_and_related_units_the_default(
        self, replica, tree
    ):
        _province, _commune, cells = tree
        with CaptureQueriesContext(replica) as on_replica:
            row = CellMonth._base_manager.filter(cell=cells[0]).order_by("month").first()
        assert row is not None
        assert row._state.db == REPLICA
        assert "reports_cellmonth" in _tables(on_replica.captured_queries)
        with (
            CaptureQueriesContext(replica) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
            scopes_disabled(),
        ):
            assert row.cell.pk == cells[0].pk
        assert len(on_replica) == 0
        assert "orgunits_orgunit" in _tables(on_default.captured_queries)

    def test_writes_and_targets_stay_on_the_default(self, replica, tree):
        province, _commune, cells = tree
        data = TargetData("held", Decimal("90.0"), dt.date(2025, 1, 1), dt.date(2027, 12, 31))
        with (
            CaptureQueriesContext(replica) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        ):
            target = target_create(actor=None, unit=province, data=data)
            rollup.refresh([cells[0].pk], dt.date(2025, 2, 1), today=TODAY)
            with scopes_disabled():
                assert list(Target.objects.filter(unit=province)) == [target]
        assert len(on_replica) == 0
        sql = _tables(on_default.captured_queries)
        assert "reports_target" in sql
        assert "reports_cellmonth" in sql

    def test_inside_a_transaction_reads_stay_on_the_default(self, replica, tree):
        # A service that writes the rollup and reads it back must see its own writes.
        province, _commune, _cells = tree
        with (
            transaction.atomic(),
            CaptureQueriesContext(replica) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        ):
            found = indicators.breakdown(province, QUARTER, today=TODAY)
        assert len(on_replica) == 0
        assert "reports_cellmonth" in _tables(on_default.captured_queries)
        assert found.total.cells == 2
