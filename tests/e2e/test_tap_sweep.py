"""Every page a secretary and a commune reach from their home page, on a small demo province, at
360 px: text at least 16 px, tap targets of 44 px (the rule of test_budget.py), no sideways
scroll. test_budget.py reads a handful of pages on the small test world; this one walks the
links, so a new page or list with small links is caught without being named here.

Left out here, each for a reason of its own:
- radios and checkboxes (the roll call's 30 × 4 choices, the owner and attendee pickers, a
  form's yes/no): a 44 px input needs a layout decision for the roll call on a 360 px screen;
- the text inside the server-drawn charts (SVG, sized in the chart's own units): the charts'
  numbers are also given as tables on the same page (issue 6).
Everything else on every page is held to the rule.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import Page

from chibo.demo.generator import seed_real_demo
from chibo.demo.logins import ensure_demo_logins
from chibo.demo.plan import DemoConfig
from tests.e2e.conftest import ConsoleLog, login
from tests.e2e.test_budget import _MEASURE, MIN_FONT_PX, MIN_TARGET_PX

SMALL = DemoConfig(as_of=dt.date.today(), max_communes=2, cells_per_commune=(2, 3))
PASSWORD = "sweep-test-password"
MAX_PAGES = 45
# Not followed: files, printing, leaving the session, the admin and settings.
SKIP = re.compile(r"logout|export|\.xlsx|\.docx|\.csv|/print|format=|/admin/|language|2fa")


def _shape(path: str) -> str:
    """Pages of one kind (a meeting, a member) are read once: ids and queries folded."""
    return re.sub(r"\d+", "N", path.split("?")[0])


def _input_name(target: str) -> str | None:
    """The name of the input _MEASURE describes as ``input#id[name=…] …``, else None."""
    found = re.match(r"input\S*?\[name=([^\]]+)\]", target)
    return found[1] if found else None


def _problems(page: Page) -> list[str]:
    found: dict[str, Any] = page.evaluate(_MEASURE, {"font": MIN_FONT_PX, "target": MIN_TARGET_PX})
    # _MEASURE names an input "input#id[name=…] …": the radios' and checkboxes' names.
    choices = set(
        page.eval_on_selector_all(
            "input[type=radio], input[type=checkbox]", "inputs => inputs.map(i => i.name)"
        )
    )
    targets = [t for t in found["targets"] if _input_name(t) not in choices]
    small = [t for t in found["small"] if not t.startswith("text.chart-")]
    problems = [f"text under {MIN_FONT_PX}px: {t}" for t in small]
    problems += [f"tap target under {MIN_TARGET_PX}px: {t}" for t in targets]
    if found["scrollWidth"] > page.viewport_size["width"]:
        problems.append(f"scrolls sideways: {found['scrollWidth']}px wide")
    return problems


@pytest.fixture
def small_demo(transactional_db: None) -> None:
    with scopes_disabled():
        seed_real_demo(SMALL)
        ensure_demo_logins(PASSWORD)


@pytest.mark.parametrize("username", ["secretary", "commune"])
def test_every_page_reached_from_home_is_readable(
    page: Page, live_server, small_demo, console: ConsoleLog, username: str
) -> None:
    login(page, live_server, username, PASSWORD)
    queue, shapes, read = ["/"], {"/"}, 0
    failures: dict[str, list[str]] = {}
    while queue and read < MAX_PAGES:
        path = queue.pop(0)
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None, path
        assert response.ok, f"{path}: {response.status}"
        read += 1
        problems = _problems(page)
        if problems:
            failures[path] = problems
        for href in page.eval_on_selector_all(
            "main a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
        ):
            href = href.split("#")[0]
            if href and not SKIP.search(href) and _shape(href) not in shapes:
                shapes.add(_shape(href))
                queue.append(href)
    print(f"{username}: {read} pages read")
    assert read >= 15, f"only {read} pages reached from the home page"
    assert not failures, "\n".join(
        f"{path}\n  " + "\n  ".join(problems[:8]) for path, problems in failures.items()
    )
    console.assert_clean()
