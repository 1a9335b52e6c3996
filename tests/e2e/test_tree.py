"""The organisation tree (htmx), a unit page, and the 404 an outsider gets."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ConsoleLog, assert_accessible, login


def node(page: Page, name: str):
    """The tree item whose own link is ``name``."""
    return page.locator("ul.tree > li").filter(
        has=page.locator(f"xpath=./a[normalize-space()={name!r}]")
    )


def test_tree_expands_in_place_then_opens_a_cell(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    w = live_world
    login(page, live_server, "province")
    page.goto(f"{live_server.url}/units/")
    tree_url = page.url
    expect(node(page, w.province.name)).to_be_visible()
    expect(page.get_by_role("link", name=w.commune.name, exact=True)).to_have_count(0)
    assert_accessible(page)

    # A marker on window survives only if htmx swaps the fragment without a page load.
    page.evaluate("window.__noReload = true")
    node(page, w.province.name).locator("> button.expand[hx-get]").click()
    expect(node(page, w.commune.name)).to_be_visible()
    expect(node(page, w.other_commune.name)).to_be_visible()
    assert page.url == tree_url
    assert page.evaluate("window.__noReload === true")

    node(page, w.commune.name).locator("> button.expand[hx-get]").click()
    expect(node(page, w.cell.name)).to_be_visible()
    expect(node(page, w.cell2.name)).to_be_visible()
    assert page.url == tree_url
    assert page.evaluate("window.__noReload === true")
    # The fragments are accessible too (e.g. the nested lists keep their names).
    assert_accessible(page)

    with page.expect_navigation():
        node(page, w.cell.name).locator("> a").click()
    assert page.url == f"{live_server.url}/units/{w.cell.pk}/"
    expect(page.locator("h1")).to_have_text(w.cell.name)
    # The "Posts held" card (a list on phones; rows of a table or items of a list).
    posts = page.locator("section[aria-labelledby=posts-h]")
    expect(posts).to_contain_text("Lò Văn Piếng")
    # He is both secretary and village head: both entries carry the concurrent-posts flag.
    entries = posts.locator("li, tbody tr").filter(has_text="Lò Văn Piếng")
    expect(entries).to_have_count(2)
    expect(entries.locator("strong.flag")).to_have_count(2)
    expect(entries.locator("strong.flag").first).to_be_visible()
    assert_accessible(page)
    console.assert_clean()


def test_outsider_gets_a_plain_404(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    login(page, live_server, "outsider")
    url = f"{live_server.url}/units/{live_world.cell.pk}/"
    # Chromium logs the 404 of the document itself (only that one is expected).
    console.allow(f"{url}: Failed to load resource: the server responded with a status of 404")
    response = page.goto(url)
    assert response is not None
    assert response.status == 404
    body = page.locator("body").inner_text()
    assert "Nà Tăm" not in body
    assert live_world.cell.name not in page.content()
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page)
    console.assert_clean()


def test_keyboard_focus_follows_the_expanded_list(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    """Expanding with the keyboard must not drop focus on <body> (WCAG 2.4.3 Focus Order).

    The button replaces itself with the list (hx-swap=outerHTML); if nothing takes the focus,
    the next Tab jumps past the new sub-units to the footer and a keyboard or screen-reader
    user never reaches them.
    """
    w = live_world
    login(page, live_server, "province")
    page.goto(f"{live_server.url}/units/")
    node(page, w.province.name).locator("> button.expand").focus()
    page.keyboard.press("Enter")
    expect(node(page, w.commune.name)).to_be_visible()
    # Focus is on the new list or inside it (on its first link, say)...
    focused_in_new_list = page.locator("li > ul.tree:focus, li > ul.tree :focus")
    expect(focused_in_new_list).to_have_count(1, timeout=2_000)
    # ...so the next Tab reaches a new sub-unit, not the footer.
    page.keyboard.press("Tab")
    expect(focused_in_new_list).to_have_count(1)
    console.assert_clean()
