"""Check that the Vietnamese catalogue covers every translatable string in the code.

Usage (from the project root)::

    .venv/bin/python scripts/i18n_check.py

It copies the source (``chibo/``, ``config/``, ``manage.py``) into a temporary directory, runs
``makemessages`` there (so the committed catalogue is never touched) and compares the fresh list of
strings with ``chibo/locale/vi/LC_MESSAGES/django.po``. It prints what is missing, stale,
untranslated or fuzzy, and exits 1 if anything is. ``tests/test_i18n.py`` runs the same check.

To update the real catalogue, run :data:`MAKEMESSAGES_COMMAND` from the project root, translate the
new entries, then ``manage.py compilemessages --ignore=.venv``.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "vi"
CATALOGUE = ROOT / "chibo" / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"
SOURCES = ("chibo", "config", "manage.py")
MAKEMESSAGES_ARGS = (
    "makemessages",
    "-l",
    LANGUAGE,
    "--no-location",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=tests",
    "--ignore=bench",
    "--ignore=scripts",
)
#: The exact command that (re)builds the committed catalogue, run from the project root.
MAKEMESSAGES_COMMAND = ".venv/bin/python manage.py " + " ".join(MAKEMESSAGES_ARGS)

Key = tuple[str | None, str]  # (msgctxt, msgid)


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # plain msgstr is index 0
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def _unquote(text: str) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise ValueError(f"not a quoted PO string: {text!r}")
    return ast.literal_eval(text)


def parse_po(text: str) -> list[Entry]:
    """A small parser for gettext .po files: enough for msgfmt-valid catalogues.

    Obsolete entries (``#~``) are dropped; the header (msgid ``""``) is kept as the first entry.
    """
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field a continuation line belongs to

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    def append(value: str) -> None:
        if current is None or target is None:
            raise ValueError("a string outside msgid/msgstr")
        name, index = target
        if name == "msgstr":
            current.msgstr[index] = current.msgstr.get(index, "") + value
        else:
            setattr(current, name, (getattr(current, name) or "") + value)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        try:
            if not line:
                if current is not None and current.msgstr:
                    finish()
                continue
            if line.startswith("#~"):
                continue
            if line.startswith("#"):
                if current is not None and target is not None and target[0] == "msgstr":
                    finish()
                current = current or Entry()
                if line.startswith("#,"):
                    current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
                continue
            if line.startswith('"'):
                append(_unquote(line))
                continue
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()
            current = current or Entry()
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[len("msgstr[") : -1]))
                current.msgstr[target[1]] = ""
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                current.msgstr[0] = ""
            elif keyword in ("msgid", "msgctxt", "msgid_plural"):
                target = (keyword, 0)
                setattr(current, keyword, "")
            else:
                raise ValueError(f"unknown keyword {keyword!r}")
            append(_unquote(rest))
        except (ValueError, SyntaxError) as exc:
            raise ValueError(f"line {number}: {exc}") from exc
    finish()
    return entries


def messages(entries: list[Entry]) -> dict[Key, Entry]:
    """The entries by (msgctxt, msgid), without the header."""
    return {e.key: e for e in entries if e.key != (None, "")}


def fresh_catalogue(workdir: Path) -> Path:
    """Run makemessages on a copy of the source in ``workdir``; return the new .po file."""
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(
                src,
                workdir / name,
                ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "static"),
            )
        else:
            shutil.copy2(src, workdir / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        CHIBO_VAR_DIR=str(workdir / "var"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *MAKEMESSAGES_ARGS],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    po = workdir / "chibo" / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"
    if not po.is_file():
        raise RuntimeError(f"makemessages did not write {po}")
    return po


@dataclass
class Report:
    missing: list[Key]  # in the code, not in the catalogue
    stale: list[Key]  # in the catalogue, no longer in the code
    untranslated: list[Key]
    fuzzy: list[Key]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.untranslated or self.fuzzy)

    def describe(self) -> str:
        def show(key: Key) -> str:
            ctxt, msgid = key
            return f"  - {msgid!r}" + (f" (context {ctxt!r})" if ctxt else "")

        parts = []
        for title, keys in (
            ("In the code but missing from the catalogue", self.missing),
            ("In the catalogue but no longer in the code (stale)", self.stale),
            ("Without a translation", self.untranslated),
            ("Marked fuzzy", self.fuzzy),
        ):
            if keys:
                parts.append(f"{title} ({len(keys)}):")
                parts.extend(show(k) for k in sorted(keys, key=lambda k: (k[1], k[0] or "")))
        if self.missing or self.stale:
            parts.append(f"Update it with: {MAKEMESSAGES_COMMAND}")
        return "\n".join(parts)


def check(catalogue: Path = CATALOGUE, fresh: Path | None = None) -> Report:
    committed_entries = parse_po(catalogue.read_text(encoding="utf-8"))
    committed = messages(committed_entries)
    if fresh is None:
        with tempfile.TemporaryDirectory(prefix="chibo-i18n-") as tmp:
            code = messages(parse_po(fresh_catalogue(Path(tmp)).read_text(encoding="utf-8")))
    else:
        code = messages(parse_po(fresh.read_text(encoding="utf-8")))
    header_fuzzy = [(None, "")] if committed_entries and committed_entries[0].fuzzy else []
    return Report(
        missing=sorted(code.keys() - committed.keys(), key=str),
        stale=sorted(committed.keys() - code.keys(), key=str),
        untranslated=[k for k, e in committed.items() if not e.translated],
        fuzzy=header_fuzzy + [k for k, e in committed.items() if e.fuzzy],
    )


def main() -> int:
    report = check()
    if report.ok:
        count = len(messages(parse_po(CATALOGUE.read_text(encoding="utf-8"))))
        print(f"OK: {count} strings, all translated ({CATALOGUE.relative_to(ROOT)}).")
        return 0
    print(report.describe())
    return 1


if __name__ == "__main__":
    sys.exit(main())
