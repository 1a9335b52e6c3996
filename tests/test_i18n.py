"""The Vietnamese catalogue is complete, valid, and actually used.

Vietnamese is the default language; a string missing from ``chibo/locale/vi`` shows up in English
on a secretary's screen, so a missing or stale entry fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from scripts.i18n_check import (
    CATALOGUE,
    MAKEMESSAGES_COMMAND,
    check,
    fresh_catalogue,
    messages,
    parse_po,
)

needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="GNU gettext (msgfmt, xgettext) is not installed",
)


def _committed() -> dict:
    return messages(parse_po(CATALOGUE.read_text(encoding="utf-8")))


def test_parser_reads_plural_context_and_flags() -> None:
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Language: vi\\n"\n\n'
        '#, fuzzy, python-format\nmsgctxt "menu"\nmsgid "%(n)s a"\nmsgid_plural "%(n)s b"\n'
        'msgstr[0] ""\n"%(n)s \\"c\\""\n\n'
        '#~ msgid "old"\n#~ msgstr "cũ"\n'
    )
    assert [e.msgid for e in entries] == ["", "%(n)s a"]
    entry = entries[1]
    assert entry.msgctxt == "menu"
    assert entry.msgid_plural == "%(n)s b"
    assert entry.msgstr == {0: '%(n)s "c"'}
    assert entry.fuzzy
    assert entry.translated


def test_committed_catalogue_is_translated() -> None:
    entries = parse_po(CATALOGUE.read_text(encoding="utf-8"))
    header = entries[0]
    assert header.msgid == ""
    assert not header.fuzzy, "remove '#, fuzzy' from the catalogue header"
    assert "Language: vi\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]
    committed = _committed()
    untranslated = sorted(e.msgid for e in committed.values() if not e.translated)
    fuzzy = sorted(e.msgid for e in committed.values() if e.fuzzy)
    assert not untranslated, "Untranslated in the vi catalogue:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy in the vi catalogue:\n" + "\n".join(fuzzy)


def test_placeholders_are_kept() -> None:
    placeholder = re.compile(r"%\(\w+\)[sd]")
    wrong = []
    for entry in _committed().values():
        expected = sorted(placeholder.findall(entry.msgid))
        for text in entry.msgstr.values():
            if sorted(placeholder.findall(text)) != expected:
                wrong.append(f"{entry.msgid!r} -> {text!r}")
    assert not wrong, "Placeholders changed:\n" + "\n".join(wrong)


def test_glossary_terms() -> None:
    committed = _committed()

    def vi(msgid: str) -> str:
        return committed[(None, msgid)].msgstr[0]

    assert vi("Log in") == "Đăng nhập"
    assert vi("Log out") == "Đăng xuất"
    assert vi("Cell secretary") == "Bí thư chi bộ"
    assert vi("Village head") == "Trưởng thôn"
    assert vi("Head of the Front work committee") == "Trưởng ban công tác Mặt trận"
    assert vi("Organisation tree") == "Cây tổ chức đảng"
    assert "Kết thúc nhiệm kỳ" in vi(
        "Someone else holds this post in that period. End their term first."
    )
    assert "không thể trước ngày bắt đầu" in vi("The end date cannot be before the start date.")
    for entry in committed.values():
        if "nhất thể hóa" in entry.msgid:
            assert "nhất thể hóa" in entry.msgstr[0], entry.msgid


@needs_gettext
def test_vietnamese_catalogue_is_complete(tmp_path) -> None:
    """makemessages on a copy of the code finds exactly the strings the catalogue holds."""
    report = check(fresh=fresh_catalogue(tmp_path))
    assert report.ok, (
        "The Vietnamese catalogue is out of date.\n"
        + report.describe()
        + f"\n(run `{MAKEMESSAGES_COMMAND}`, translate, then compilemessages)"
    )


@needs_gettext
def test_compiled_catalogue_matches_po(tmp_path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "django.mo").stat().st_size > 0


@pytest.fixture
def compiled_catalogue() -> None:
    """The .mo is git-ignored and built by make; build it here too if it is missing or stale."""
    mo = CATALOGUE.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= CATALOGUE.stat().st_mtime:
        return
    if shutil.which("msgfmt") is None:
        pytest.skip("the .mo is out of date and msgfmt is not installed")
    fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
    os.close(fd)
    try:
        subprocess.run(["msgfmt", "--check", "-o", tmp, str(CATALOGUE)], check=True)
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo)  # atomic: safe with parallel test workers
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    from django.utils.translation import trans_real

    # Drop catalogues loaded before the .mo existed.
    trans_real._translations.clear()  # type: ignore[attr-defined]
    trans_real._default = None  # type: ignore[attr-defined]


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalogue")
def test_pages_render_in_vietnamese_then_english_after_switching() -> None:
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="vi"' in page
    assert "Đăng nhập" in page
    assert "Tên đăng nhập hoặc số điện thoại" in page

    response = client.post("/accounts/language/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"

    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page
    assert "Đăng nhập" not in page

    client.post("/accounts/language/", {"language": "vi", "next": "/accounts/login/"})
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()


@pytest.mark.usefixtures("compiled_catalogue")
def test_late_to_a_meeting_is_not_an_overdue_deadline() -> None:
    """One English word, two Vietnamese ones: a member late to the meeting "đến muộn", a
    deadline passed "quá hạn" (the roll call once said a member was overdue)."""
    from chibo.meetings.models import AttendanceCategory

    with translation.override("vi"):
        assert str(AttendanceCategory.LATE.label) == "Đến muộn"
        assert gettext("Overdue") == "Quá hạn"
