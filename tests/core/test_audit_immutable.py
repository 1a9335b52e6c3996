"""The audit trail cannot be changed or deleted: not by the ORM, not by raw SQL, not in the
admin, not through the API (issue 7, decision 0016)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django_scopes import scopes_disabled

from chibo.accounts.models import User
from chibo.api.api import api
from chibo.core.audit import audit_record
from chibo.core.audit_lock import audit_unlocked, wipe_audit_trail
from chibo.core.models import AuditEntry, AuditImmutableError
from tests.factories import make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(world) -> AuditEntry:
    with scopes_disabled():
        return audit_record(
            actor=world.commune_user,
            action="orgunit.changed",
            obj=world.cell,
            unit=world.cell,
            member=world.plain_member,
            changes={"name": ["A", "B"]},
        )


def _row(pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT action, object_repr, actor_id, unit_id, member_id, changes "
            "FROM core_auditentry WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


def test_orm_save_of_an_existing_entry_is_refused(entry) -> None:
    before = _row(entry.pk)
    entry.action = "something.else"
    with pytest.raises(AuditImmutableError):
        entry.save()
    with pytest.raises(AuditImmutableError):
        entry.save(update_fields=["action"])
    assert _row(entry.pk) == before


def test_orm_delete_and_queryset_update_delete_are_refused(entry) -> None:
    before = _row(entry.pk)
    with pytest.raises(AuditImmutableError):
        entry.delete()
    with scopes_disabled():
        entries = AuditEntry.objects.filter(pk=entry.pk)
        with pytest.raises(AuditImmutableError):
            entries.update(action="x.y")
        with pytest.raises(AuditImmutableError):
            entries.delete()
        with pytest.raises(AuditImmutableError):
            AuditEntry.objects.bulk_update([entry], ["action"])
    assert _row(entry.pk) == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditentry SET action = 'x.y' WHERE id = %s",
        "UPDATE core_auditentry SET actor_id = NULL WHERE id = %s",
        "DELETE FROM core_auditentry WHERE id = %s",
    ],
)
def test_raw_sql_update_and_delete_fail_in_the_database(entry, sql) -> None:
    before = _row(entry.pk)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert _row(entry.pk) == before


def test_truncate_fails_on_postgresql(entry) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_auditentry")
    assert _row(entry.pk) is not None


def test_the_maintenance_path_allows_delete_but_never_update(entry) -> None:
    """``flush`` and test fixtures empty the table; even they cannot rewrite an entry."""
    with (
        audit_unlocked(),
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_auditentry SET action = 'x.y' WHERE id = %s", [entry.pk])
    assert _row(entry.pk)[0] == "orgunit.changed"
    # Outside the block the lock is back.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    wipe_audit_trail()
    assert _row(entry.pk) is None
    # A new entry is locked again after the wipe.
    with scopes_disabled():
        fresh = audit_record(actor=None, action="demo.seeded", obj=entry.unit)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry")
    assert _row(fresh.pk) is not None


def test_deleting_the_user_or_unit_keeps_the_entry_as_written(world) -> None:
    """The foreign keys neither cascade nor set null (the database would refuse that UPDATE);
    a member record cannot be deleted at all once it has events (PROTECT)."""
    with scopes_disabled():
        unit = make_unit(world.commune, "Chi bộ tạm", "cell")
        user = User.objects.create_user(username="temp", password="x-long-password-1")
        written = audit_record(actor=user, action="orgunit.changed", obj=unit, unit=unit)
        before = _row(written.pk)
        user.delete()
        unit.delete()
        assert _row(written.pk) == before
        again = AuditEntry.objects.select_related("unit", "actor").get(pk=written.pk)
    assert again.unit is None
    assert again.actor is None
    assert (again.actor_id, again.unit_id) == (before[2], before[3])
    assert again.object_repr == "Chi bộ tạm"


def test_the_admin_has_no_add_change_or_delete(world, client_for, entry) -> None:
    admin = client_for(world.admin)
    changelist = admin.get(reverse("admin:core_auditentry_changelist"))
    assert changelist.status_code == 200
    assert entry.object_repr in changelist.content.decode()
    # The change page only shows the entry (read-only), and nothing can be posted to it.
    change_url = reverse("admin:core_auditentry_change", args=[entry.pk])
    page = admin.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin.post(change_url, {"action": "x.y"}).status_code == 403
    assert admin.get(reverse("admin:core_auditentry_add")).status_code == 403
    delete_url = reverse("admin:core_auditentry_delete", args=[entry.pk])
    assert admin.get(delete_url).status_code == 403
    assert admin.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = admin.post(
        reverse("admin:core_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in {200, 302}
    assert _row(entry.pk) is not None


def test_no_api_operation_writes_or_reads_the_trail() -> None:
    schema = api.get_openapi_schema()
    audit_paths = [path for path in schema["paths"] if "audit" in path.lower()]
    assert audit_paths == []
    assert schema["paths"], "the schema has paths"


@pytest.mark.django_db(transaction=True)
def test_flush_is_the_one_path_that_empties_the_trail(world) -> None:
    """``manage.py flush`` (the test runner's reset between transactional tests) still works."""
    from django.core.management import call_command

    with scopes_disabled():
        assert AuditEntry.objects.exists()
        call_command("flush", interactive=False, verbosity=0)
        assert not AuditEntry.objects.exists()
        fresh = AuditEntry.objects.create(action="demo.seeded", object_type="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry")  # locked again afterwards
    assert _row(fresh.pk) is not None
