from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from chibo.core.models import AuditEntry
from chibo.exchange import services
from chibo.exchange.models import ImportMode, RegisterSnapshot, RowStatus
from chibo.exchange.selectors import register_diff
from chibo.members.lifecycle import derive, member_events
from chibo.members.models import Member, MemberEvent, MemberNameWord, MemberStatus, Sex
from tests.exchange.helpers import simple_rows, xlsx_bytes
from tests.factories import make_member

pytestmark = pytest.mark.django_db

NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731


def read(unit, data: bytes, name: str = "file.xlsx"):
    with scopes_disabled():
        return services.import_file_read(
            unit=unit, stream=io.BytesIO(data), filename=name, size=len(data)
        )


def check(unit, table):
    with scopes_disabled():
        ctx = services.import_context(unit=unit, columns=table.columns)
        return {r.row: r for r in services.rows_check_all(ctx, table.rows)}


def commit(world, unit, table, mode=ImportMode.VALID_ROWS):
    with scopes_disabled():
        return services.import_commit(
            actor=world.commune_user,
            unit=unit,
            rows=table.rows,
            columns=table.columns,
            mode=mode,
            filename="f.xlsx",
        )


def counts():
    with scopes_disabled():
        return (Member.objects.count(), MemberEvent.objects.count(), AuditEntry.objects.count())


def messy_file(world) -> bytes:
    """A register as found in a commune office: title block, two-row merged header, mess."""
    cell, cell2 = world.cell, world.cell2
    header_top = [
        "STT",
        "Họ và tên ",
        " NGÀY SINH",
        "giới tính",
        "Trình độ",
        None,
        NFD("Ngày vào Đảng (dd/mm/yyyy)"),
        "Ngày chính thức",
        NFD("Số thẻ đảng viên"),
        "Chi bộ",
        "Mã chi bộ",
        "Ghi chú",
    ]
    header_sub = [None, None, None, None, "Lý luận chính trị", "Chuyên môn", *[None] * 6]
    rows = [
        ["ĐẢNG BỘ XÃ NẬM TĂM", None, None, None, None, None, None, "ĐẢNG CỘNG SẢN VIỆT NAM"],
        ["SỔ DANH SÁCH ĐẢNG VIÊN"],
        [],
        header_top,
        header_sub,
        list(range(1, 13)),
        # 7: valid, but its card number is also on row 9
        [
            1,
            "Nguyễn Văn An",
            dt.datetime(1980, 5, 1),
            "Nam",
            "Sơ cấp",
            "Kỹ sư",
            "10/03/2005",
            "10.04.2006",
            "12345678",
            cell.name + "  ",
            None,
            "",
        ],
        # 8: valid; NFD name, dd-mm-yyyy, a date cell, yyyy-mm-dd, the cell by code
        [
            2,
            NFD("Trần Thị Bình"),
            "01-02-1985",
            NFD("nữ"),
            None,
            None,
            dt.date(2010, 1, 5),
            "2011-02-01",
            23456789,
            None,
            cell2.code,
            "ghi chú",
        ],
        # 9: the same card number as row 7; an Excel serial birth date, d/m/yy
        [3, "Lò Văn Cường", 29221, "Nam", None, None, "5/6/09", None, "12345678", cell.name],
        # 10: an unknown cell
        [
            4,
            "Vàng A Dế",
            "02/02/1982",
            "Nam",
            None,
            None,
            "01/01/2012",
            None,
            None,
            "Chi bộ bản Không Có",
        ],
        # 11: no name
        [5, "", "03/03/1983", "Nữ", None, None, "01/01/2013", None, None, cell.name],
        # 12: an impossible date
        [6, "Hà Văn Em", "31/02/1980", "Nam", None, None, "01/01/2014", None, None, cell.name],
        # 13: valid; probationary (no recognition date); cell name without "Chi bộ"
        [
            7,
            "Giàng Thị Gấu",
            "04.04.1990",
            "NỮ",
            "trung cấp",
            None,
            "15-06-2024",
            None,
            "34567890",
            "bản pá khoang",
        ],
        # 14: already on the register (matched by name and date of birth), identical
        [
            8,
            "Lò Văn Piếng",
            "01/05/1970",
            "Nam",
            None,
            None,
            "10/03/2005",
            "14/04/2006",
            None,
            cell.name,
        ],
        # 15: already on the register by card number, with another date of birth
        [
            9,
            "Mùa Thị Hoa",
            "02/02/1972",
            "Nữ",
            None,
            None,
            "10/03/2005",
            "14/04/2006",
            "45678901",
            cell.name,
        ],
    ]
    return xlsx_bytes(rows, merges=["A1:D1", "A2:L2", "E4:F4", "A4:A5", "B4:B5"])


def test_messy_file_row_by_row_then_valid_rows_then_nothing_changes(world) -> None:
    make_member(world.cell, "Mùa Thị Hoa", sex=Sex.FEMALE, card_number="45678901")
    table = read(world.commune, messy_file(world))
    assert {"full_name", "theory_level", "profession", "cell_code"} <= set(table.columns)
    results = check(world.commune, table)
    status = {row: r.status for row, r in results.items()}
    assert status == {
        7: RowStatus.ERROR,
        8: RowStatus.NEW,
        9: RowStatus.ERROR,
        10: RowStatus.ERROR,
        11: RowStatus.ERROR,
        12: RowStatus.ERROR,
        13: RowStatus.NEW,
        14: RowStatus.UNCHANGED,
        15: RowStatus.DIFFERS,
    }
    fields = {row: {m[0] for m in r.messages} for row, r in results.items()}
    assert fields[7] == {"card_number"}
    assert fields[9] == {"card_number"}
    assert fields[10] == {"cell"}
    assert fields[11] == {"full_name"}
    assert fields[12] == {"birth_date"}
    assert results[14].member_id == world.secretary_member.pk
    assert results[8].name == "Trần Thị Bình"  # NFC

    before = counts()
    outcome = commit(world, world.commune, table)
    assert outcome.committed
    assert outcome.counts()[RowStatus.CREATED] == 2
    with scopes_disabled():
        binh = Member.objects.get(full_name="Trần Thị Bình")
        gau = Member.objects.get(full_name="Giàng Thị Gấu")
        assert unicodedata.is_normalized("NFC", binh.full_name)
        assert (binh.cell, binh.sex, binh.card_number) == (world.cell2, Sex.FEMALE, "23456789")
        assert binh.status == MemberStatus.OFFICIAL
        assert (binh.admission_date, binh.ceremony_date, binh.recognition_date) == (
            dt.date(2010, 1, 5),
            dt.date(2010, 1, 5),
            dt.date(2011, 2, 1),
        )
        assert (gau.cell, gau.status, gau.theory_level) == (
            world.cell2,
            MemberStatus.PROBATIONARY,
            "intermediate",
        )
        assert gau.birth_date == dt.date(1990, 4, 4)
        assert [e.kind for e in member_events(binh)] == ["admission", "ceremony", "recognition"]
        assert AuditEntry.objects.filter(action="member.imported", member=binh).count() == 1
    assert counts() == (before[0] + 2, before[1] + 5, before[2] + 3)

    again = commit(world, world.commune, read(world.commune, messy_file(world)))
    assert counts() == (before[0] + 2, before[1] + 5, before[2] + 3)
    again_status = {r.row: r.status for r in again.results}
    assert again_status[8] == again_status[13] == RowStatus.UNCHANGED


def test_all_or_nothing_writes_nothing_when_a_row_has_an_error(world) -> None:
    before = counts()
    outcome = commit(
        world, world.commune, read(world.commune, messy_file(world)), ImportMode.ALL_OR_NOTHING
    )
    assert not outcome.committed
    assert counts() == before


def test_all_or_nothing_writes_everything_when_all_rows_are_valid(world) -> None:
    data = xlsx_bytes(
        simple_rows(
            world.cell.name,
            [
                ("Lò Văn Một", "01/02/1980", "Nam", "10/03/2005", "", "11111111"),
                ("Lò Văn Hai", "01/02/1981", "Nam", "10/03/2006", "", "22222222"),
            ],
        )
    )
    outcome = commit(world, world.commune, read(world.commune, data), ImportMode.ALL_OR_NOTHING)
    assert outcome.committed
    assert outcome.counts()[RowStatus.CREATED] == 2


def test_imported_member_equals_one_made_through_the_services(world) -> None:
    """The bulk path writes what member_create + member_event_add write."""
    # make_member: ceremony 20 days after the decision, recognition 400 days after.
    reference = make_member(world.cell2, "Đinh Văn Mẫu", admitted=dt.date(2010, 1, 5))
    data = xlsx_bytes(
        [
            [
                "Họ và tên",
                "Ngày sinh",
                "Nam/Nữ",
                "Ngày vào Đảng",
                "Ngày lễ kết nạp",
                "Ngày chính thức",
                "Số thẻ đảng viên",
            ],
            [
                "Đinh Văn Mẫu",
                "02/05/1970",
                "Nam",
                "05/01/2010",
                "25/01/2010",
                "09/02/2011",
                "99999999",
            ],
        ]
    )
    commit(world, world.cell2, read(world.cell2, data))
    fields = [
        "full_name",
        "sort_key",
        "search_name",
        "status",
        "admission_date",
        "ceremony_date",
        "recognition_date",
        "cell_id",
        "version",
        "exempt_from",
        "temporary_cell_id",
    ]
    with scopes_disabled():
        imported = Member.objects.get(card_number="99999999")
        for name in fields:
            assert getattr(imported, name) == getattr(reference, name), name

        # Its name index rows are the ones the services write (other than the member).
        def index_rows(member):
            return sorted(
                MemberNameWord.objects.filter(member=member).values_list(
                    "key", "shared", "sort_key", "cell_path"
                )
            )

        assert index_rows(imported) == index_rows(reference) != []
        # The import's events record who imported them, as the services record the actor.
        creators = MemberEvent.objects.filter(member=imported).values_list("created_by", flat=True)
        assert set(creators) == {world.commune_user.pk}
        # Its derived columns are what lifecycle.derive says of its stored events.
        state = derive(member_events(imported), today=dt.date.today())
        assert (imported.status, imported.recognition_date) == (
            state.status,
            state.recognition_date,
        )


def test_lifecycle_rules_apply_to_imported_dates(world) -> None:
    data = xlsx_bytes(
        simple_rows(
            world.cell.name,
            [
                ("Quá Trẻ", "01/02/2000", "Nam", "10/03/2010", "", ""),  # 10 years old
                (
                    "Sớm Quá",
                    "01/02/1980",
                    "Nam",
                    "10/03/2010",
                    "10/05/2010",
                    "",
                ),  # 2 months' probation
                ("Tương Lai", "01/02/1980", "Nam", "10/03/2099", "", ""),
                ("Thiếu Ngày", "01/02/1980", "Nam", "", "", ""),
            ],
        )
    )
    results = check(world.cell, read(world.cell, data))
    assert {r.status for r in results.values()} == {RowStatus.ERROR}
    assert results[2].messages[0][0] == "admission_date"
    assert results[3].messages[0][0] == "recognition_date"
    assert results[5].messages[0][0] == "admission_date"


def test_numbers_already_held_elsewhere_are_errors_not_matches(world) -> None:
    make_member(world.other_cell, "Người Khác", card_number="77777777")
    data = xlsx_bytes(
        simple_rows(
            world.cell.name,
            [
                ("Người Mới", "01/02/1980", "Nam", "10/03/2005", "", "77777777"),
                ("Thẻ Sai", "01/02/1980", "Nam", "10/03/2005", "", "1234"),
            ],
        )
    )
    results = check(world.commune, read(world.commune, data))
    assert results[2].status == RowStatus.ERROR
    assert results[2].member_id is None
    assert results[3].messages[0][0] == "card_number"


def test_a_cell_may_omit_the_cell_column_a_commune_may_not(world) -> None:
    rows = [
        ["Họ và tên", "Ngày sinh", "Giới tính", "Ngày vào Đảng"],
        ["Lò Văn Một", "01/02/1980", "Nam", "10/03/2005"],
    ]
    table = read(world.cell, xlsx_bytes(rows))
    assert check(world.cell, table)[2].status == RowStatus.NEW
    with pytest.raises(ValidationError) as caught:
        read(world.commune, xlsx_bytes(rows))
    assert caught.value.code == "missing_columns"


@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_with_bom_and_either_delimiter(world, delimiter) -> None:
    lines = [
        ["ĐẢNG BỘ XÃ NẬM TĂM"],
        [
            "Họ và tên",
            "Ngày sinh",
            "Nam/Nữ",
            "Ngày vào Đảng",
            "Ngày chính thức",
            "Số thẻ đảng viên",
            "Chi bộ",
        ],
        [
            NFD("Lường Văn Cầm"),
            "1/2/80",
            "Nam",
            "10/03/2005",
            "2006-04-10",
            "01234567",
            world.cell.name,
        ],
        ["Lường Thị Đào", "31/02/1980", "Nữ", "10/03/2005", "", "", world.cell.name],
    ]
    text = "\r\n".join(delimiter.join(f'"{c}"' for c in line) for line in lines)
    table = read(world.commune, b"\xef\xbb\xbf" + text.encode(), "danh-sach.csv")
    results = check(world.commune, table)
    assert results[3].status == RowStatus.NEW
    assert results[3].name == "Lường Văn Cầm"
    assert results[3].card == "01234567"
    assert results[4].status == RowStatus.ERROR


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"not a zip", "x.xlsx", "unreadable"),
        (b"PK\x03\x04garbage", "x.xlsx", "unreadable"),
        (b"", "x.xlsx", "unreadable"),
        (b"\xff\xfe\x00\x00junk", "x.csv", "unreadable"),
        (b"\xc3\x28\xa0\xa1", "x.csv", "unreadable"),
        (b"a;b;c\n1;2;3\n", "x.csv", "no_header"),
        (b"x", "old.xls", "unreadable"),
        ("Họ và tên;Ngày sinh;Dân tộc\nA;1/1/1980;Kinh".encode(), "x.csv", "missing_columns"),
        ("Họ và tên;Ngày sinh;Nam/Nữ;Ngày vào Đảng\n".encode(), "x.csv", "empty"),
    ],
)
def test_bad_files_are_refused_with_a_code(world, data, name, code) -> None:
    with pytest.raises(ValidationError) as caught:
        read(world.cell, data, name)
    assert caught.value.code == code


def test_too_large_and_too_many_rows(world, monkeypatch) -> None:
    with pytest.raises(ValidationError) as caught, scopes_disabled():
        services.import_file_read(
            unit=world.cell, stream=io.BytesIO(b""), filename="x.xlsx", size=11 * 1024 * 1024
        )
    assert caught.value.code == "too_large"
    monkeypatch.setattr("chibo.exchange.xlsx.MAX_ROWS", 3)
    people = [(f"Người {i}", "01/02/1980", "Nam", "10/03/2005", "", "") for i in range(5)]
    with pytest.raises(ValidationError) as caught:
        read(world.cell, xlsx_bytes(simple_rows(world.cell.name, people)))
    assert caught.value.code == "too_many_rows"


def test_export_layout_and_order(world) -> None:
    for name in ["Nguyễn Văn Bình", "Trần Thị An", "Đặng Văn Ánh"]:
        make_member(world.cell, name, card_number=None or "", record_number="")
    out = io.BytesIO()
    with scopes_disabled():
        count = services.register_export(actor=world.commune_user, unit=world.commune, target=out)
    assert count == 6
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][-6] == "ĐẢNG CỘNG SẢN VIỆT NAM" or "ĐẢNG CỘNG SẢN VIỆT NAM" in values[0]
    header = values[7]
    assert header[:4] == ["STT", "Họ và tên", "Họ và tên khai sinh", "Ngày sinh"]
    names = [row[1] for row in values[9:]]
    assert names == [
        "Trần Thị An",
        "Tòng Thị Ánh",
        "Đặng Văn Ánh",
        "Nguyễn Văn Bình",
        "Giàng A Dình",
        "Lò Văn Piếng",
    ]
    first = sheet.cell(row=10, column=4)
    assert first.number_format == "DD/MM/YYYY"
    assert first.value.date() == dt.date(1970, 5, 1)


def test_snapshots_and_their_differences(world) -> None:
    with scopes_disabled():
        first = services.register_snapshot_save(
            actor=world.commune_user, unit=world.commune, day=dt.date(2026, 2, 1)
        )
        newcomer = make_member(world.cell2, "Người Mới Vào")
        second = services.register_snapshot_save(
            actor=world.commune_user, unit=world.commune, day=dt.date(2026, 4, 2)
        )
        again = services.register_snapshot_save(
            actor=world.commune_user, unit=world.commune, day=dt.date(2026, 5, 2)
        )
        assert (first.year, first.quarter, second.quarter) == (2026, 1, 2)
        assert again.pk == second.pk
        assert RegisterSnapshot.objects.filter(unit=world.commune).count() == 2
    moved = [row[:] for row in second.rows]
    for row in moved:
        if row[0] == world.plain_member.pk:
            row[2], row[3] = world.cell2.code, MemberStatus.SUSPENDED
    moved = [r for r in moved if r[0] != world.secretary_member.pk]
    diff = register_diff(first.rows, second.rows)
    assert [line.member_id for line in diff.joined] == [newcomer.pk]
    assert diff.left == diff.status_changed == diff.cell_changed == []
    diff = register_diff(second.rows, moved)
    assert [line.member_id for line in diff.left] == [world.secretary_member.pk]
    assert [c.line.member_id for c in diff.status_changed] == [world.plain_member.pk]
    assert [c.before.cell for c in diff.cell_changed] == [world.cell.code]


def test_too_long_text_is_a_row_error(world) -> None:
    long_name = "Lò " + "A" * 200
    data = xlsx_bytes(
        simple_rows(world.cell.name, [(long_name, "01/02/1980", "Nam", "10/03/2005", "", "")])
    )
    result = check(world.cell, read(world.cell, data))[2]
    assert result.status == RowStatus.ERROR
    assert result.messages[0][0] == "full_name"
