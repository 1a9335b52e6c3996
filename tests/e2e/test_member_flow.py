"""A secretary adds a member on a phone, finds them by a name typed without diacritics, and
exports the cell's register to Excel, where the new member is listed."""

from __future__ import annotations

import io
import unicodedata

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ConsoleLog, assert_accessible, login


def test_add_member_then_search_then_export(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    cell = live_world.cell
    login(page, live_server, "secretary")

    page.goto(f"{live_server.url}/members/unit/{cell.pk}/add/")
    assert_accessible(page)
    # Typed the way some phone keyboards send it: decomposed (NFD) Vietnamese.
    page.fill("#id_full_name", unicodedata.normalize("NFD", "Nguyễn Văn Thắng"))
    page.select_option("#id_sex", "male")
    page.fill("#id_birth_date", "05/06/1975")
    page.fill("#id_ethnicity", "Kinh")
    page.fill("#id_card_number", "12345678")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    expect(page.locator("h1")).to_have_text("Nguyễn Văn Thắng")
    assert_accessible(page)

    page.goto(f"{live_server.url}/members/search/?q=nguyen+van+thang")
    results = page.locator("#results")
    expect(results).to_contain_text("Nguyễn Văn Thắng")
    expect(results).not_to_contain_text("Tòng Thị Ánh")
    assert_accessible(page)

    page.goto(f"{live_server.url}/exchange/unit/{cell.pk}/")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.locator(f"a[href$='/exchange/unit/{cell.pk}/register.xlsx']").first.click()
    data = download_info.value.path().read_bytes()
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert "Nguyễn Văn Thắng" in cells
    assert "12345678" in cells
    console.assert_clean()
