"""What a cheap phone on a weak connection pays: bytes, hosts, text size, tap targets, console.

Tap-target rule (WCAG 2.5.5 at 44 CSS px, stricter than 2.5.8's 24 px, for elderly users):
every visible control (button, input, select, textarea, summary, [role=button], a.button) is at
least 44×44; every visible link is at least 44 tall; a link is also at least 44 wide unless it
is an inline link in running text (its parent has text of its own beside it), which WCAG
exempts: its width follows the words and is not ours to choose.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, Request, expect

from tests.e2e.conftest import ConsoleLog, login, watch

BUDGET = 100 * 1024  # bytes on the wire for a first visit, headers included
MIN_FONT_PX = 16
MIN_TARGET_PX = 44


class Traffic:
    """Every request a page makes, and what it cost on the wire once finished."""

    def __init__(self, page: Page) -> None:
        self.requests: list[Request] = []
        self.finished: list[Request] = []
        self.failed: list[str] = []
        # Playwright wants real functions as handlers (it tags them), not bound built-ins.
        page.on("request", lambda r: self.requests.append(r))
        page.on("requestfinished", lambda r: self.finished.append(r))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))

    def total(self) -> tuple[int, list[str]]:
        lines, total = [], 0
        for request in self.finished:
            sizes = request.sizes()
            size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            total += size
            lines.append(f"{size:>7} {request.url}")
        return total, lines

    def foreign(self, origin: str) -> list[str]:
        host = urlsplit(origin).netloc
        return [
            r.url
            for r in self.requests
            if urlsplit(r.url).scheme != "data" and urlsplit(r.url).netloc != host
        ]


def assert_light(traffic: Traffic, live_server: Any) -> None:
    assert not traffic.failed, traffic.failed
    foreign = traffic.foreign(live_server.url)
    assert not foreign, f"requests to other hosts: {foreign}"
    total, lines = traffic.total()
    assert lines, "no request was seen"
    print(f"{total} bytes:\n" + "\n".join(lines))
    assert total < BUDGET, f"{total} bytes > {BUDGET}:\n" + "\n".join(lines)


def test_login_page_first_load_is_light(page: Page, live_server, console: ConsoleLog) -> None:
    traffic = Traffic(page)  # a fresh context: empty cache, no cookies
    page.goto(f"{live_server.url}/accounts/login/")  # "load": the stylesheet too
    assert_light(traffic, live_server)
    console.assert_clean()


def test_tree_first_load_is_light(
    new_context, live_server, live_world, console: ConsoleLog
) -> None:
    # Log in elsewhere, then visit the tree from a context with the session cookie only, so
    # the stylesheet and htmx are not already cached by the login page.
    setup = new_context().new_page()
    watch(setup, console)
    login(setup, live_server, "province")
    fresh = new_context(storage_state=setup.context.storage_state()).new_page()
    watch(fresh, console)
    traffic = Traffic(fresh)
    fresh.goto(f"{live_server.url}/units/")  # "load" waits for the stylesheet and htmx
    with fresh.expect_response(lambda r: "/children/" in r.url) as fragment:
        fresh.locator("ul.tree > li > button.expand[hx-get]").first.click()
    fragment.value.finished()
    expect(fresh.get_by_role("link", name=live_world.commune.name, exact=True)).to_be_visible()
    assert any("/children/" in r.url for r in traffic.finished), "htmx fetched no fragment"
    assert_light(traffic, live_server)
    console.assert_clean()


# --- readability ------------------------------------------------------------------------------

_MEASURE = """
({ font, target }) => {
  const out = { small: [], targets: [], scrollWidth: document.documentElement.scrollWidth };
  const shown = (el) => {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") return false;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return false;  // .sr-only, empty boxes
    if (r.right <= 0 || r.bottom <= 0) return false;  // parked off-screen (the skip link)
    return true;
  };
  const ownText = (el) =>
    [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    for (const c of el.classList) s += "." + c;
    if (el.name) s += `[name=${el.name}]`;
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    return `${s} "${text.replace(/\\s+/g, " ").slice(0, 40)}"`;
  };
  for (const el of document.body.querySelectorAll("*")) {
    if (!ownText(el) || !shown(el)) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < font) out.small.push(`${name(el)} ${px}px`);
  }
  const controls =
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]";
  for (const el of document.body.querySelectorAll(controls)) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    const isLink = el.tagName === "A" && !el.classList.contains("button");
    const inRunningText = isLink && el.parentElement && ownText(el.parentElement)
      && getComputedStyle(el).display === "inline";
    const tooShort = r.height < target - 0.01;
    const tooNarrow = !inRunningText && r.width < target - 0.01;
    if (tooShort || tooNarrow) {
      out.targets.push(`${name(el)} ${r.width.toFixed(1)}×${r.height.toFixed(1)}`);
    }
  }
  return out;
}
"""


def assert_readable(page: Page) -> None:
    found = page.evaluate(_MEASURE, {"font": MIN_FONT_PX, "target": MIN_TARGET_PX})
    problems = []
    if found["small"]:
        problems.append(f"text under {MIN_FONT_PX}px:\n  " + "\n  ".join(found["small"]))
    if found["targets"]:
        problems.append(f"tap targets under {MIN_TARGET_PX}px:\n  " + "\n  ".join(found["targets"]))
    if found["scrollWidth"] > page.viewport_size["width"]:
        problems.append(f"page scrolls sideways: {found['scrollWidth']}px wide")
    assert not problems, f"{page.url}\n" + "\n".join(problems)


def test_login_page_is_readable(page: Page, live_server, console: ConsoleLog) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    assert_readable(page)
    # With a wrong password the error message must be as readable.
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_readable(page)
    console.assert_clean()


def test_unit_page_is_readable(page: Page, live_server, live_world, console: ConsoleLog) -> None:
    # The commune committee sees the most controls: edit, add, members, history, end a term.
    login(page, live_server, "commune")
    page.goto(f"{live_server.url}/units/{live_world.cell.pk}/")
    posts = page.locator("section[aria-labelledby=posts-h]")
    expect(posts.locator("strong.flag").first).to_be_visible()
    expect(posts.locator("a[href*='/end/']").first).to_be_visible()
    assert_readable(page)
    page.goto(f"{live_server.url}/units/{live_world.commune.pk}/")
    assert_readable(page)
    console.assert_clean()


def test_pages_with_a_back_link_are_readable(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    """The "← unit" link above a page's title is a 44 px target too (it was 23 px tall)."""
    login(page, live_server, "commune")
    for path in (
        f"/units/{live_world.cell.pk}/edit/",
        f"/units/{live_world.cell.pk}/history/",
        f"/members/unit/{live_world.cell.pk}/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("p.back a").first).to_be_visible()
        assert_readable(page)
    console.assert_clean()


def test_tree_is_readable(page: Page, live_server, live_world, console: ConsoleLog) -> None:
    login(page, live_server, "province")
    page.goto(f"{live_server.url}/units/")
    page.locator("ul.tree > li > button.expand[hx-get]").first.click()
    expect(page.get_by_role("link", name=live_world.commune.name, exact=True)).to_be_visible()
    assert_readable(page)
    console.assert_clean()


# --- console ----------------------------------------------------------------------------------


def test_no_console_errors_or_csp_violations(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    w = live_world
    login(page, live_server, "commune")  # sees the post actions and the members list
    pages = [
        "/",
        "/units/",
        f"/units/{w.commune.pk}/",
        f"/units/{w.cell.pk}/",
        f"/units/{w.cell.pk}/history/",
        f"/units/{w.cell.pk}/edit/",
        f"/units/{w.cell.pk}/posts/add/",
        f"/members/unit/{w.cell.pk}/",
        f"/members/{w.plain_member.pk}/",
        "/accounts/password/",
    ]
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
    # htmx on the tree: the fragment request and swap must not trip the CSP either.
    page.goto(f"{live_server.url}/units/")
    page.locator("ul.tree > li > button.expand[hx-get]").first.click()
    expect(page.get_by_role("link", name=w.cell.name, exact=True)).to_be_visible()
    console.assert_clean()


def test_stylesheet_is_served(page: Page, live_server, console: ConsoleLog) -> None:
    """Without it the site is unstyled: 13 px tap targets, grey-on-white text, no layout."""
    with page.expect_response(lambda r: r.url.endswith(".css")) as css:
        page.goto(f"{live_server.url}/accounts/login/")
    assert css.value.status == 200, f"{css.value.url} answered {css.value.status}"
    assert css.value.header_value("content-type").startswith("text/css")
    console.assert_clean()


def test_audit_trail_with_long_values_is_readable(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    """An entry whose values have no place to break (an address, a link) must not widen the
    page: the commune's audit trail scrolled sideways to 925 px on a 360 px phone."""
    from django_scopes import scopes_disabled

    from chibo.core.audit import audit_record

    link = "https://example.vn/vanban/" + "NghiQuyet_So01_NQTU_" * 4  # no hyphen to break at
    with scopes_disabled():
        audit_record(
            actor=None,
            action="member.updated",
            obj=live_world.plain_member,
            unit=live_world.cell,
            member=live_world.plain_member,
            changes={
                "home_town": ["—", "Bản Nà Tăm, xã Nậm Tăm, tỉnh Lai Châu"],
                "note": [None, link],
            },
        )
    login(page, live_server, "commune")
    for path in (
        f"/audit/units/{live_world.commune.pk}/",
        f"/members/{live_world.plain_member.pk}/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("table.changes td", has_text="example.vn").first).to_be_visible()
        assert_readable(page)
    console.assert_clean()


def test_commune_meetings_and_account_pages_are_readable(
    page: Page, live_server, live_world, console: ConsoleLog
) -> None:
    """The cells' names on the commune's meetings page (27 px tall) and the "Back" link of the
    two-factor and password pages (23 px) are 44 px targets."""
    login(page, live_server, "commune")
    for path in (
        f"/meetings/commune/{live_world.commune.pk}/",
        "/accounts/2fa/",
        "/accounts/password/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert_readable(page)
    console.assert_clean()
