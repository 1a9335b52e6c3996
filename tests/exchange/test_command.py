from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from chibo.members.models import Member
from tests.exchange.helpers import simple_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(world, tmp_path):
    path = tmp_path / "danh-sach.xlsx"
    path.write_bytes(
        xlsx_bytes(
            simple_rows(
                world.cell.name,
                [
                    ("Lò Văn Một", "01/02/1980", "Nam", "10/03/2005", "", "11111111"),
                    ("Lò Văn Hai", "31/02/1980", "Nam", "10/03/2005", "", ""),
                ],
            )
        )
    )
    return path


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_members", *args, "--no-progress", stdout=out)
    return out.getvalue()


def member_count() -> int:
    with scopes_disabled():
        return Member.objects.count()


def test_dry_run_then_all_or_nothing_then_valid_rows(world, file) -> None:
    before = member_count()
    out = run(str(file), "--unit", world.commune.code, "--dry-run")
    assert "row 3" in out
    assert "new: 1" in out
    assert "error: 1" in out
    run(str(file), "--unit", world.commune.code, "--mode", "all_or_nothing")
    assert member_count() == before
    out = run(str(file), "--unit", world.commune.code)
    assert "created: 1" in out
    assert member_count() == before + 1
    run(str(file), "--unit", world.commune.code)
    assert member_count() == before + 1


def test_bad_arguments(world, file, tmp_path) -> None:
    with pytest.raises(CommandError):
        run(str(file), "--unit", "NOPE")
    with pytest.raises(CommandError):
        run(str(tmp_path / "missing.xlsx"), "--unit", world.cell.code)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"junk")
    with pytest.raises(CommandError):
        run(str(junk), "--unit", world.cell.code)
