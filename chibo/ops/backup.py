"""Backups that restore (issue 7; docs/decisions/0014-backups.md).

A backup is one tar file: ``manifest.json`` first, then the data — ``data.pgdump`` (``pg_dump
-Fc``) on PostgreSQL, ``data.sqlite3`` (a copy made by SQLite's online backup API, safe while the
server runs) on SQLite. The manifest says when and by which version it was made, the latest
migration per app, the rows of every table, the data file's sha256 and a content hash of every
row. The counts and the hash are read from the same snapshot as the data (PostgreSQL: an exported
snapshot that ``pg_dump --snapshot`` shares; SQLite: the copy itself), so a server writing during
the backup cannot make them disagree.

A restore checks everything it can before it touches the target (a tar with a manifest, the
checksum, the database vendor, migrations this code knows, a target without data unless forced),
then restores so that it is all or nothing: SQLite into a file next to the target that is checked
and then moved over it with one ``os.replace``; PostgreSQL with ``pg_restore --single-transaction
--exit-on-error``. It then reads the counts and the hash back and compares them with the manifest.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import django
from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.utils import load_backend
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

FORMAT = "chibo-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_FILES = {"sqlite": "data.sqlite3", "postgresql": "data.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# A database "holds data" when one of these has a row (a migrated but empty database has rows
# in others: content types, permissions, the holiday table).
DATA_TABLES = ("accounts_user", "orgunits_orgunit", "members_member", "core_auditentry")
_CHUNK = 1 << 20
_ROWS = 2000
_MANIFEST_MAX = 4 << 20

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default progress callback: say nothing."""


class BackupError(Exception):
    """A backup or restore that cannot go on. ``message`` is for the operator; ``code`` is
    stable for tests and scripts."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Snapshot:
    """Rows per table and one hash of every row, as read from one consistent view."""

    tables: dict[str, int]
    content_hash: str

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    snapshot: Snapshot
    warnings: list[str] = field(default_factory=list)


# --- Reading a database: counts and the content hash ----------------------------------------


def _canonical(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def read_snapshot(alias: str, tables: list[str] | None = None) -> Snapshot:
    """Count the rows of every table (or of ``tables``) and hash them, table by table in name
    order and row by row in primary-key order, streaming (no table is loaded into memory).

    The hash works on the values the database driver returns, so it is the same for a database
    and its restored copy on the same vendor (it is not meant to compare SQLite with PostgreSQL).
    """
    connection = connections[alias]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        names = sorted(existing if tables is None else tables)
        counts: dict[str, int] = {}
        order: dict[str, str] = {}
        for table in names:
            if table not in existing:
                counts[table] = -1  # missing: never equal to a real count
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (quoted name)
            counts[table] = int(cursor.fetchone()[0])
            keys = connection.introspection.get_primary_key_columns(cursor, table) or []
            if keys:
                order[table] = ", ".join(quote(k) for k in keys)
            else:
                width = len(connection.introspection.get_table_description(cursor, table))
                order[table] = ", ".join(str(i) for i in range(1, width + 1))
    digest = hashlib.sha256()
    server_side = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    for table in names:
        digest.update(b"\x00table\x00" + table.encode())
        if table not in order:
            continue
        sql = f"SELECT * FROM {quote(table)} ORDER BY {order[table]}"  # noqa: S608
        with connection.chunked_cursor() if server_side else connection.cursor() as cursor:
            cursor.execute(sql)
            while batch := cursor.fetchmany(_ROWS):
                for row in batch:
                    line = json.dumps(
                        list(row), default=_canonical, ensure_ascii=False, sort_keys=True
                    )
                    digest.update(line.encode() + b"\n")
    return Snapshot(tables=counts, content_hash="sha256:" + digest.hexdigest())


def _applied_migrations(alias: str) -> dict[str, str]:
    """The latest applied migration of each app, as recorded in the database."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        if "django_migrations" not in connection.introspection.table_names(cursor):
            return {}
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        return dict(cursor.fetchall())


@contextlib.contextmanager
def _temporary_alias(base: str, **overrides: Any) -> Iterator[str]:
    """A connection of its own, configured as ``base`` with ``overrides`` (another file, or a
    separate transaction on the same database), for this thread only and removed afterwards.

    It is not added to the configured databases: a connection made at run time, as Django's
    own test machinery expects of connections it did not set up."""
    alias = f"chibo_ops_{uuid.uuid4().hex[:10]}"
    settings_dict = copy.deepcopy(connections[base].settings_dict)
    settings_dict.update(overrides)
    connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    try:
        yield alias
    finally:
        with contextlib.suppress(Exception):
            connections[alias].close()
        with contextlib.suppress(AttributeError):
            del connections[alias]


# --- Versions -----------------------------------------------------------------------------


def chibo_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def git_describe() -> str | None:
    """``git describe`` of the code, when it runs from a git checkout with git installed."""
    base = Path(settings.BASE_DIR)
    git = shutil.which("git")
    if git is None or not (base / ".git").exists():
        return None
    try:
        done = subprocess.run(  # noqa: S603 (fixed arguments)
            [git, "describe", "--tags", "--always"],
            cwd=base,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            # Read-only: never take the index lock a concurrent git command may need.
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


# --- PostgreSQL tools -----------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts)
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        _("%(tool)s was not found: install the PostgreSQL client (postgresql-client).")
        % {"tool": name},
        "tool_missing",
    )


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for a connection: the password never appears on a command line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
        ("service", "PGSERVICE"),
    ):
        pairs[variable] = options.get(option)
    env.update({k: str(v) for k, v in pairs.items() if v not in (None, "")})
    return env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BackupError(
            _("%(tool)s failed: %(detail)s") % {"tool": what, "detail": " / ".join(detail)},
            "tool_failed",
        )
    return done.stdout


# --- Backup --------------------------------------------------------------------------------


def _in_memory(alias: str) -> bool:
    connection: Any = connections[alias]
    return connection.vendor == "sqlite" and bool(connection.is_in_memory_db())


def _sqlite_name(alias: str) -> str:
    return str(connections[alias].settings_dict["NAME"])


def _sqlite_copy(alias: str, dest: Path) -> None:
    """Copy a live SQLite database with the online backup API (a consistent snapshot even
    while other connections write), as one self-contained file (no write-ahead log)."""
    connection = connections[alias]
    target = sqlite3.connect(dest)
    try:
        if _in_memory(alias):
            connection.ensure_connection()
            connection.connection.backup(target)
        else:
            name = _sqlite_name(alias)
            source = sqlite3.connect(name, timeout=30, uri=name.startswith("file:"))
            try:
                source.backup(target)
            finally:
                source.close()
        target.execute("PRAGMA journal_mode=DELETE")
        (check,) = target.execute("PRAGMA integrity_check").fetchone()
    finally:
        target.close()
    if check != "ok":
        raise BackupError(
            _("The copy of the database failed its integrity check: %(detail)s")
            % {"detail": check},
            "integrity",
        )


def _backup_sqlite(alias: str, dest: Path) -> tuple[Snapshot, dict[str, str], dict[str, Any]]:
    _sqlite_copy(alias, dest)
    with _temporary_alias(alias, NAME=str(dest), OPTIONS={}) as reader:
        snapshot = read_snapshot(reader)
        migrations = _applied_migrations(reader)
    return snapshot, migrations, {"server_version": sqlite3.sqlite_version}


def _backup_postgresql(alias: str, dest: Path) -> tuple[Snapshot, dict[str, str], dict[str, Any]]:
    pg_dump = _pg_tool("pg_dump")
    with _temporary_alias(alias, CONN_MAX_AGE=0) as reader:
        connection = connections[reader]
        connection.ensure_connection()
        # One repeatable-read transaction exports its snapshot to pg_dump and reads the counts
        # and the hash itself: both see exactly the same rows, whatever the server writes.
        with transaction.atomic(using=reader), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot_id,) = cursor.fetchone()
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    f"--file={dest}",
                    "--no-password",
                ],
                _pg_env(connection.settings_dict),
                "pg_dump",
            )
            snapshot = read_snapshot(reader)
            migrations = _applied_migrations(reader)
        tool = _run([pg_dump, "--version"], _pg_env({}), "pg_dump").strip()
        server = cast(Any, connection).pg_version
    return snapshot, migrations, {"server_version": server, "tool_version": tool}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _archive_path(output: Path | None, created: dt.datetime) -> Path:
    name = f"chibo-backup-{created:%Y%m%d-%H%M%S}.tar"
    if output is None:
        return Path(settings.VAR_DIR) / "backups" / name
    output = Path(output)
    if output.is_dir() or str(output).endswith(os.sep):
        return output / name
    return output


def backup_create(
    *, alias: str = "default", output: Path | None = None, progress: Progress = _quiet
) -> BackupResult:
    """Write one backup archive of database ``alias``; return its path and manifest."""
    connection = connections[alias]
    vendor = connection.vendor
    if vendor not in DATA_FILES:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor},
            "vendor",
        )
    created = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    path = _archive_path(output, created)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        raise BackupError(
            _("%(path)s already exists: choose another name.") % {"path": path}, "exists"
        )
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".chibo-backup-") as tmp:
        data = Path(tmp) / DATA_FILES[vendor]
        progress(_("Copying the %(vendor)s database…") % {"vendor": VENDOR_NAMES[vendor]})
        if vendor == "sqlite":
            snapshot, migrations, extra = _backup_sqlite(alias, data)
        else:
            snapshot, migrations, extra = _backup_postgresql(alias, data)
        progress(
            _("Counted %(rows)s rows in %(tables)s tables; computing the checksum…")
            % {"rows": snapshot.rows, "tables": len(snapshot.tables)}
        )
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "chibo_version": chibo_version(),
            "git_describe": git_describe(),
            "django_version": django.get_version(),
            "vendor": vendor,
            **extra,
            "data_file": data.name,
            "data_size": data.stat().st_size,
            "data_sha256": _sha256(data),
            "migrations": migrations,
            "tables": snapshot.tables,
            "content_hash": snapshot.content_hash,
        }
        body = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
        part = path.with_name(f".{path.name}.part")
        # Member records (citizen IDs, phones): the archive is for its owner only.
        data.chmod(0o600)
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    info = tarfile.TarInfo(MANIFEST)
                    info.size = len(body)
                    info.mtime = int(created.timestamp())
                    info.mode = 0o600
                    tar.addfile(info, io.BytesIO(body))
                    tar.add(data, arcname=data.name, recursive=False)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
    _audit(
        alias,
        "ops.backup",
        path.name,
        {
            "file": [None, path.name],
            "sha256": [None, manifest["data_sha256"]],
            "rows": [None, snapshot.rows],
        },
    )
    return BackupResult(path=path, manifest=manifest)


def _audit(alias: str, action: str, label: str, changes: dict[str, list[Any]]) -> None:
    from chibo.core.models import AuditEntry

    with scopes_disabled():  # an operator's command, not a request: no user scope applies
        AuditEntry(
            actor_name="system",
            action=action,
            object_type="ops.backup",
            object_repr=label[:200],
            changes=changes,
        ).save(using=alias)


# --- Restore -------------------------------------------------------------------------------


def _damaged(path: Path) -> BackupError:
    return BackupError(
        _("%(file)s is not a Chibo backup, or it is damaged (cut short?): nothing was restored.")
        % {"file": path.name},
        "damaged",
    )


def _read_manifest(tar: tarfile.TarFile, path: Path) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
        reader = tar.extractfile(member) if member.isfile() else None
        if reader is None or member.size > _MANIFEST_MAX:
            raise _damaged(path)
        manifest = json.loads(reader.read())
    except KeyError as exc:
        raise BackupError(
            _("%(file)s has no manifest.json: it is not a Chibo backup.") % {"file": path.name},
            "no_manifest",
        ) from exc
    except (ValueError, tarfile.TarError, EOFError, OSError) as exc:
        raise _damaged(path) from exc
    expected: dict[str, type | tuple[type, ...]] = {
        "format": str,
        "format_version": int,
        "vendor": str,
        "data_file": str,
        "data_sha256": str,
        "migrations": dict,
        "tables": dict,
        "content_hash": str,
        "created_at": str,
    }
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("%(file)s is not a Chibo backup (its manifest is not Chibo's).")
            % {"file": path.name},
            "no_manifest",
        )
    if any(not isinstance(manifest.get(k), t) for k, t in expected.items()):
        raise _damaged(path)
    if manifest["format_version"] > FORMAT_VERSION:
        raise BackupError(
            _(
                "This backup was made by a newer version of Chibo (archive format %(version)s): "
                "update Chibo first, then restore."
            )
            % {"version": manifest["format_version"]},
            "newer_format",
        )
    return manifest


def _check_vendor(manifest: dict[str, Any], alias: str) -> None:
    source, target = manifest["vendor"], connections[alias].vendor
    if source != target:
        raise BackupError(
            _(
                "This is a backup of a %(source)s database; it cannot be restored into this "
                "%(target)s database. Nothing was restored."
            )
            % {
                "source": VENDOR_NAMES.get(source, source),
                "target": VENDOR_NAMES.get(target, target),
            },
            "foreign_vendor",
        )
    if manifest["data_file"] != DATA_FILES.get(source):
        raise BackupError(
            _("The manifest names an unexpected data file (%(name)s): not a Chibo backup.")
            % {"name": manifest["data_file"]},
            "damaged",
        )


def _check_migrations(manifest: dict[str, Any]) -> list[str]:
    """Refuse a backup from a newer Chibo; return the apps whose migrations are newer here
    than in the backup (``migrate`` must run after the restore)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = loader.disk_migrations
    unknown = sorted(
        f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            _(
                "This backup comes from a newer or different version of Chibo: its migrations "
                "%(names)s are unknown here. Update Chibo first, then restore."
            )
            % {"names": ", ".join(unknown)},
            "unknown_migration",
        )
    leaves = dict(loader.graph.leaf_nodes())
    return sorted(app for app, name in leaves.items() if manifest["migrations"].get(app) != name)


def _extract_data(tar: tarfile.TarFile, manifest: dict[str, Any], path: Path, dest: Path) -> None:
    try:
        member = tar.getmember(manifest["data_file"])
        reader = tar.extractfile(member) if member.isfile() else None
        if reader is None:
            raise _damaged(path)
        digest = hashlib.sha256()
        with dest.open("wb") as out:
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except KeyError as exc:
        raise _damaged(path) from exc
    except (tarfile.TarError, EOFError) as exc:
        raise _damaged(path) from exc
    if digest.hexdigest() != manifest["data_sha256"]:
        raise BackupError(
            _(
                "The data in %(file)s does not match its checksum: the file is damaged. "
                "Nothing was restored; use another copy."
            )
            % {"file": path.name},
            "checksum",
        )


def holds_data(alias: str) -> bool:
    """Whether the database has users, units, members or audit entries."""
    connection = connections[alias]
    if connection.vendor == "sqlite" and not _in_memory(alias):
        name = _sqlite_name(alias)
        if not name.startswith("file:") and not Path(name).exists():
            return False
    try:
        with connection.cursor() as cursor:
            tables = set(connection.introspection.table_names(cursor))
            for table in DATA_TABLES:
                if table in tables:
                    quoted = connection.ops.quote_name(table)
                    cursor.execute(f"SELECT 1 FROM {quoted} LIMIT 1")  # noqa: S608
                    if cursor.fetchone():
                        return True
    except DatabaseError as exc:
        raise BackupError(
            _("Cannot read the target database: %(error)s") % {"error": exc}, "target_unreadable"
        ) from exc
    return False


def _compare(snapshot: Snapshot, manifest: dict[str, Any]) -> list[str]:
    problems = [
        f"{table}: {snapshot.tables.get(table)} ≠ {count}"
        for table, count in sorted(manifest["tables"].items())
        if snapshot.tables.get(table) != count
    ]
    if snapshot.content_hash != manifest["content_hash"]:
        problems.append(_("content hash differs"))
    return problems


def _restore_sqlite(alias: str, data: Path, manifest: dict[str, Any], progress: Progress) -> None:
    connection = connections[alias]
    target = Path(_sqlite_name(alias))
    try:
        with contextlib.closing(sqlite3.connect(data)) as copy_db:
            (check,) = copy_db.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        check = str(exc)
    if check != "ok":
        raise BackupError(
            _(
                "The database in the backup fails its integrity check (%(detail)s): nothing was "
                "restored."
            )
            % {"detail": check},
            "integrity",
        )
    progress(_("Checking the rows of the copy against the manifest…"))
    with _temporary_alias(alias, NAME=str(data), OPTIONS={}) as reader:
        problems = _compare(read_snapshot(reader, list(manifest["tables"])), manifest)
    if problems:
        raise BackupError(
            _("The backup's data does not match its manifest (%(problems)s): nothing was restored.")
            % {"problems": "; ".join(problems[:5])},
            "verify_failed",
        )
    connection.close()
    if target.exists():
        # Fold the old database's write-ahead log into it; a busy answer means another process
        # still has it open (a running server would keep writing to the replaced file).
        with contextlib.closing(sqlite3.connect(target, timeout=5)) as old:
            busy, _log, _done = old.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise BackupError(
                _(
                    "The database %(file)s is in use: stop the Chibo server and its jobs, then "
                    "restore again. Nothing was restored."
                )
                % {"file": target.name},
                "in_use",
            )
    os.replace(data, target)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


def _restore_postgresql(alias: str, data: Path, progress: Progress) -> None:
    connection = connections[alias]
    env = _pg_env(connection.settings_dict)
    pg_restore = _pg_tool("pg_restore")
    try:
        _run([pg_restore, "--list", str(data)], env, "pg_restore --list")
    except BackupError as exc:
        raise BackupError(
            _("The dump in the backup cannot be read (%(error)s): nothing was restored.")
            % {"error": exc.message},
            "damaged",
        ) from exc
    connection.close()  # the restore drops and creates the tables this process may hold
    progress(_("Restoring in one transaction (all or nothing)…"))
    _run(
        [
            pg_restore,
            "--single-transaction",
            "--exit-on-error",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
            str(data),
        ],
        env,
        "pg_restore",
    )


def restore_archive(
    path: Path | str,
    *,
    alias: str = "default",
    force: bool = False,
    confirm: Callable[[str], bool] | None = None,
    progress: Progress = _quiet,
) -> RestoreResult:
    """Restore archive ``path`` into database ``alias``, all or nothing, and verify it."""
    path = Path(path)
    connection = connections[alias]
    in_memory = _in_memory(alias)
    if not path.is_file():
        raise BackupError(_("No such file: %(file)s") % {"file": path}, "no_file")
    if connection.vendor == "sqlite" and not in_memory:
        work_dir = Path(_sqlite_name(alias)).resolve().parent
        work_dir.mkdir(parents=True, exist_ok=True)
    else:
        work_dir = None
    try:
        tar = tarfile.open(path, "r:")  # noqa: SIM115 (closed below)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _damaged(path) from exc
    with tar, tempfile.TemporaryDirectory(dir=work_dir, prefix=".chibo-restore-") as tmp:
        manifest = _read_manifest(tar, path)
        _check_vendor(manifest, alias)
        behind = _check_migrations(manifest)
        progress(
            _("Backup of %(created)s (Chibo %(version)s): checking its checksum…")
            % {"created": manifest["created_at"], "version": manifest.get("chibo_version", "?")}
        )
        data = Path(tmp) / manifest["data_file"]
        _extract_data(tar, manifest, path, data)
        if in_memory:
            raise BackupError(_("Cannot restore into an in-memory database."), "in_memory")
        if holds_data(alias):
            name = str(connection.settings_dict["NAME"])
            if not force:
                raise BackupError(
                    _(
                        "The database %(name)s already holds data: nothing was restored. "
                        "Use --force to replace all of it with the backup."
                    )
                    % {"name": name},
                    "not_empty",
                )
            if confirm is not None and not confirm(name):
                raise BackupError(_("Restore cancelled: nothing was changed."), "cancelled")
        if connection.vendor == "sqlite":
            _restore_sqlite(alias, data, manifest, progress)
        else:
            _restore_postgresql(alias, data, progress)
    progress(_("Checking the restored rows against the manifest…"))
    snapshot = read_snapshot(alias, list(manifest["tables"]))
    problems = _compare(snapshot, manifest)
    if problems:
        raise BackupError(
            _(
                "RESTORE NOT VERIFIED: the restored database differs from the backup's manifest "
                "(%(problems)s). Do not use it; restore again from another copy."
            )
            % {"problems": "; ".join(problems[:5])},
            "verify_failed",
        )
    warnings = []
    extra = sorted(set(connections[alias].introspection.table_names()) - set(manifest["tables"]))
    if extra:
        warnings.append(
            _("Tables not in the backup were left in place: %(tables)s")
            % {"tables": ", ".join(extra)}
        )
    if behind:
        warnings.append(
            _("The backup predates this version's migrations (%(apps)s): run manage.py migrate.")
            % {"apps": ", ".join(behind)}
        )
    try:
        _audit(
            alias,
            "ops.restored",
            path.name,
            {
                "file": [None, path.name],
                "created_at": [None, manifest["created_at"]],
                "sha256": [None, manifest["data_sha256"]],
            },
        )
    except DatabaseError as exc:  # an older schema: migrate first, the data is restored
        warnings.append(_("The audit entry could not be written: %(error)s") % {"error": exc})
    return RestoreResult(manifest=manifest, snapshot=snapshot, warnings=warnings)
