"""Backups that restore (issue 7): the drill and the refusals, on the suite's database.

The suite runs twice (SQLite, then PostgreSQL through DATABASE_URL); the drill runs on both.
A "fresh" database is a new file (SQLite) or a CREATE DATABASE on the same server (PostgreSQL),
reached through a connection alias of its own.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import tomllib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils import translation
from django_scopes import scopes_disabled

from chibo.accounts.models import User
from chibo.core.models import AuditEntry
from chibo.core.templatetags.audit_labels import ACTION_LABELS
from chibo.ops.backup import FORMAT, read_snapshot

ON_PG = connections["default"].vendor == "postgresql"
sqlite_only = pytest.mark.skipif(ON_PG, reason="SQLite run only (this run is on PostgreSQL)")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _english():
    # The messages are translated; the tests read the English source strings.
    with translation.override("en"):
        yield


@pytest.fixture
def fresh_db(tmp_path) -> Iterator[Callable[[], str]]:
    """``fresh_db()``: the alias of a new, empty database (removed at the end).

    The connection is made at run time for this thread, not added to the settings: Django's
    test case allows such connections (and refuses configured aliases it did not set up)."""
    made: list[tuple[str, str]] = []

    def make() -> str:
        alias = f"fresh_{uuid.uuid4().hex[:8]}"
        settings_dict = copy.deepcopy(connections["default"].settings_dict)
        if ON_PG:
            name = f"chibo_fresh_{uuid.uuid4().hex[:8]}"
            with connections["default"].cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        else:
            name = str(tmp_path / f"{alias}.sqlite3")
        settings_dict["NAME"] = name
        connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
            settings_dict, alias
        )
        made.append((alias, name))
        return alias

    yield make
    for alias, name in made:
        connections[alias].close()
        del connections[alias]
        if ON_PG:
            with connections["default"].cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backup(tmp_path: Path, database: str = "default") -> Path:
    out = io.StringIO()
    folder = tmp_path / f"backups-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    call_command("backup", output=folder, database=database, stdout=out)
    (archive,) = folder.glob("chibo-backup-*.tar")
    assert str(archive) in out.getvalue()
    return archive


def restore(archive: Path, database: str, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), "--noinput", *args, database=database, stdout=out)
    return out.getvalue()


def read_archive(archive: Path) -> tuple[dict, bytes]:
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["manifest.json", tar.getnames()[1]]
        manifest = json.loads(tar.extractfile("manifest.json").read())
        data = tar.extractfile(manifest["data_file"]).read()
    return manifest, data


def write_archive(path: Path, manifest: dict, data: bytes, data_name: str) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, body in (("manifest.json", json.dumps(manifest).encode()), (data_name, data)):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return path


def assert_restored(alias: str, manifest: dict) -> None:
    """The restored database holds the backup (the source's rows when the backup was taken)
    plus the ``ops.restored`` entry the restore wrote last. The trail refuses deletes (a
    trigger), so the entry is compared, not removed."""
    counts = dict(manifest["tables"])
    counts["core_auditentry"] += 1
    assert read_snapshot(alias).tables == counts
    others = [t for t in manifest["tables"] if t != "core_auditentry"]
    assert read_snapshot(alias, others) == read_snapshot("default", others)
    with scopes_disabled():
        restored_trail = list(AuditEntry.objects.using(alias).order_by("pk").values_list())
        source_trail = list(AuditEntry.objects.order_by("pk").values_list())
        last = AuditEntry.objects.using(alias).order_by("-pk").first()
    # The source's last entry is its ops.backup, written after the snapshot.
    assert restored_trail[:-1] == source_trail[:-1]
    assert last.action == "ops.restored"


@pytest.fixture
def restored(world, fresh_db, tmp_path) -> tuple[Path, str]:
    """A backup of the world and a fresh database it was restored into."""
    archive = backup(tmp_path)
    alias = fresh_db()
    restore(archive, alias)
    return archive, alias


def test_drill_backup_then_restore_into_a_fresh_database(world, fresh_db, tmp_path):
    before = read_snapshot("default")
    assert before.tables["members_member"] == 4

    archive = backup(tmp_path)
    manifest, data = read_archive(archive)

    assert manifest["format"] == FORMAT
    assert manifest["vendor"] == connections["default"].vendor
    assert manifest["created_at"].endswith("Z")
    with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as f:
        assert manifest["chibo_version"] == tomllib.load(f)["project"]["version"]
    assert manifest["django_version"].startswith("5.2")
    assert manifest["data_sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["data_size"] == len(data)
    assert manifest["tables"] == before.tables
    assert manifest["content_hash"] == before.content_hash
    applied = MigrationRecorder.Migration.objects.filter(app="core").order_by("-id").first()
    assert manifest["migrations"]["core"] == applied.name
    # The backup is in the source's audit trail (after the snapshot, so not in the archive).
    with scopes_disabled():
        entry = AuditEntry.objects.order_by("-pk").first()
    assert entry.action == "ops.backup"
    assert entry.changes["file"] == [None, archive.name]
    assert manifest["tables"]["core_auditentry"] == before.tables["core_auditentry"]

    alias = fresh_db()
    output = restore(archive, alias)
    assert "content hash equal" in output

    assert_restored(alias, manifest)
    secretary = User.objects.using(alias).get(username="secretary")
    assert secretary.full_name == "Lò Văn Piếng"
    assert secretary.password == User.objects.get(username="secretary").password


def test_content_hash_sees_a_changed_value(world):
    before = read_snapshot("default")
    User.objects.filter(username="member").update(full_name="Tòng Thị Ánh B")
    after = read_snapshot("default")
    assert after.tables == before.tables
    assert after.content_hash != before.content_hash


def test_restore_refuses_a_database_with_data_without_force(restored):
    archive, alias = restored
    before = read_snapshot(alias)
    with pytest.raises(CommandError, match="already holds data"):
        restore(archive, alias)
    assert read_snapshot(alias) == before


def test_restore_with_force_replaces_the_data(restored):
    archive, alias = restored
    User.objects.using(alias).filter(username="member").update(full_name="Changed")
    restore(archive, alias, "--force")
    assert User.objects.using(alias).get(username="member").full_name == "Tòng Thị Ánh"
    manifest, _data = read_archive(archive)
    assert_restored(alias, manifest)


def test_interactive_restore_asks_and_a_no_changes_nothing(restored, monkeypatch):
    archive, alias = restored
    before = read_snapshot(alias)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(archive), "--force", database=alias, stdout=io.StringIO())
    assert read_snapshot(alias) == before


def _truncated(archive: Path, tmp: Path) -> Path:
    raw = archive.read_bytes()
    out = tmp / "truncated.tar"
    out.write_bytes(raw[: len(raw) // 2])
    return out


def _not_a_tar(archive: Path, tmp: Path) -> Path:
    out = tmp / "notes.tar"
    out.write_text("biên bản họp chi bộ\n" * 100)
    return out


def _byte_changed(archive: Path, tmp: Path) -> Path:
    manifest, data = read_archive(archive)
    middle = len(data) // 2
    changed = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
    return write_archive(tmp / "changed.tar", manifest, changed, manifest["data_file"])


def _foreign_vendor(archive: Path, tmp: Path) -> Path:
    manifest, data = read_archive(archive)
    manifest["vendor"] = "sqlite" if ON_PG else "postgresql"
    return write_archive(tmp / "foreign.tar", manifest, data, manifest["data_file"])


def _unknown_migration(archive: Path, tmp: Path) -> Path:
    manifest, data = read_archive(archive)
    manifest["migrations"]["core"] = "9999_from_the_future"
    return write_archive(tmp / "newer.tar", manifest, data, manifest["data_file"])


def _no_manifest(archive: Path, tmp: Path) -> Path:
    manifest, data = read_archive(archive)
    out = tmp / "bare.tar"
    with tarfile.open(out, "w") as tar:
        info = tarfile.TarInfo(manifest["data_file"])
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out


def _broken_data_with_matching_checksum(archive: Path, tmp: Path) -> Path:
    # Damage the checksum cannot see (it was summed after the damage): the restore itself must
    # fail, all or nothing. SQLite: a file cut short. PostgreSQL: a byte changed in the last
    # table's compressed rows, so pg_restore reads the table of contents, drops and creates
    # the tables in its transaction, and fails in the middle of the data.
    manifest, data = read_archive(archive)
    if ON_PG:
        at = len(data) - 300
        broken = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    else:
        broken = data[: int(len(data) * 0.9)]
    manifest["data_sha256"] = hashlib.sha256(broken).hexdigest()
    return write_archive(tmp / "broken.tar", manifest, broken, manifest["data_file"])


_ARCHIVES: dict[str, Path] = {}


@pytest.fixture
def an_archive(world, tmp_path_factory) -> Path:
    """A backup of a world, made once per run (the refusals need one, not a new one each)."""
    if "world" not in _ARCHIVES:
        _ARCHIVES["world"] = backup(tmp_path_factory.mktemp("archive"))
    return _ARCHIVES["world"]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_truncated, "not a Chibo backup, or it is damaged"),
        (_not_a_tar, "not a Chibo backup, or it is damaged"),
        (_no_manifest, "has no manifest.json"),
        (_byte_changed, "does not match its checksum"),
        (_foreign_vendor, "cannot be restored into this"),
        (_unknown_migration, r"core\.9999_from_the_future are unknown here"),
    ],
)
def test_restore_refuses_a_bad_archive_before_touching_the_target(
    an_archive, tmp_path, damage, message
):
    bad = damage(an_archive, tmp_path)
    before = read_snapshot("default")
    with pytest.raises(CommandError, match=message):
        restore(bad, "default", "--force")
    assert read_snapshot("default") == before


def test_restore_of_broken_data_is_all_or_nothing(restored, tmp_path):
    # The target keeps every row (SQLite: the copy fails its check before it replaces the
    # file; PostgreSQL: pg_restore's single transaction rolls back its drops and creates).
    archive, alias = restored
    bad = _broken_data_with_matching_checksum(archive, tmp_path)
    before = read_snapshot(alias)
    expected = "pg_restore failed: .*could not uncompress" if ON_PG else "integrity check"
    with pytest.raises(CommandError, match=expected):
        restore(bad, alias, "--force")
    assert read_snapshot(alias) == before
    assert User.objects.using(alias).filter(username="secretary").exists()


def test_restore_checks_the_rows_against_the_manifest(restored, tmp_path):
    archive, alias = restored
    manifest, data = read_archive(archive)
    manifest["content_hash"] = "sha256:" + "0" * 64
    other = write_archive(tmp_path / "other-hash.tar", manifest, data, manifest["data_file"])
    before = read_snapshot(alias)
    if ON_PG:
        # pg_restore commits its one transaction; the check after it fails loudly.
        with pytest.raises(CommandError, match="RESTORE NOT VERIFIED"):
            restore(other, alias, "--force")
    else:
        # SQLite checks the copy before it replaces the file: nothing changed.
        with pytest.raises(CommandError, match="does not match its manifest"):
            restore(other, alias, "--force")
        assert read_snapshot(alias) == before


def test_every_ops_action_has_a_label():
    assert "ops.backup" in ACTION_LABELS
    assert "ops.restored" in ACTION_LABELS


@sqlite_only
def test_sqlite_backup_while_another_connection_writes(restored, fresh_db, tmp_path):
    _archive, alias = restored
    path = connections[alias].settings_dict["NAME"]
    connections[alias].close()
    original = read_snapshot(alias)
    writer = sqlite3.connect(path, isolation_level=None, timeout=30)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE accounts_user SET full_name = 'viết dở'")
    writer.execute("DELETE FROM members_member")
    copied = threading.Event()
    calls: list[str] = []

    def progress(message: str) -> None:
        # The second message comes once the copy is taken and counted.
        calls.append(message)
        if len(calls) == 2:
            copied.set()

    result: dict[str, object] = {}

    connection = connections[alias]

    def run_backup() -> None:
        connections[alias] = connection.copy()  # this thread's own connection to the file
        # The command writes its audit entry after the copy: it waits for the writer, which
        # commits as soon as the copy is taken.
        from chibo.ops.backup import backup_create

        try:
            result["backup"] = backup_create(alias=alias, output=tmp_path, progress=progress)
        except Exception as exc:  # reported to the test below
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run_backup)
    thread.start()
    assert copied.wait(30), result
    writer.execute("COMMIT")
    writer.close()
    thread.join(60)
    assert "error" not in result, result
    archive = result["backup"].path
    manifest, _data = read_archive(archive)
    # The copy holds the committed state before the writer's transaction, nothing half-written.
    assert manifest["tables"] == original.tables
    assert manifest["content_hash"] == original.content_hash
    assert User.objects.using(alias).get(username="member").full_name == "viết dở"

    target = fresh_db()
    restore(archive, target)
    assert User.objects.using(target).get(username="member").full_name == "Tòng Thị Ánh"
    with sqlite3.connect(connections[target].settings_dict["NAME"]) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@sqlite_only
def test_sqlite_restore_refuses_an_in_memory_target(world, tmp_path):
    archive = backup(tmp_path)
    with pytest.raises(CommandError, match="in-memory"):
        restore(archive, "default", "--force")


@sqlite_only
def test_manage_py_restore_exits_non_zero_on_a_damaged_file(tmp_path):
    bad = tmp_path / "bad.tar"
    bad.write_bytes(b"\0" * 700)
    target = tmp_path / "target.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{target}",
        "CHIBO_VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "restore", str(bad), "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "CommandError" in done.stderr
    assert "bad.tar" in done.stderr
    assert not target.exists()
