"""Issue 10 §2, WCAG 2.4.7: a visible keyboard focus on every control — the skip link, the header's links,
the language switcher, its buttons, the navigation, and the fields and buttons of a form — in the real
Chromium, moving through the page with the Tab key as a keyboard user does.

A focus is visible when the focused element's computed outline has a width, a style and a colour that is
not transparent (static/css/portal.css: near-black inside, yellow outside, so that it shows on the white
page and on the dark green header alike)."""

import pytest

from tests.browser.conftest import log_in
from tests.core.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    what: `${el.tagName.toLowerCase()} ${(el.innerText || el.value || el.name || el.id || '').trim().slice(0, 40)}`,
    inHeader: !!el.closest('header'),
    width: parseFloat(style.outlineWidth),
    style: style.outlineStyle,
    color: style.outlineColor,
    shadow: style.boxShadow,
    onScreen: box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0,
  };
}"""


def transparent(color):
    return color == "transparent" or color.replace(" ", "").endswith(",0)")


def tab_through(page, times):
    """Press Tab `times` times; what had the focus after each press, with its computed outline (read once
    Bootstrap's 0.15 s transition of a button's ring has run)."""
    seen = []
    for _ in range(times):
        page.keyboard.press("Tab")
        page.wait_for_timeout(200)
        seen.append(page.evaluate(FOCUSED))
    return seen


def invisible(seen):
    return [f for f in seen if not (f["width"] >= 2 and f["style"] != "none" and not transparent(f["color"]))]


def test_every_control_of_the_header_shows_a_clear_focus(page):
    page.goto("/en/")
    seen = tab_through(page, 9)
    # The skip link first, shown on the screen; then the header: brand, three languages, log in, sign up;
    # then the navigation.
    assert seen[0]["what"] == "a Skip to main content" and seen[0]["onScreen"]
    assert [f["what"] for f in seen[2:5]] == ["a English", "a 繁體中文", "a 简体中文"]
    assert [f["what"] for f in seen[5:7]] == ["a Log in", "a Create an account"]
    assert [f["what"] for f in seen[7:9]] == ["a Home", "a Directory"]
    assert all(f["inHeader"] for f in seen[1:9])
    assert invisible(seen) == []
    # 3 px near-black, and a yellow ring around it for the dark green header.
    assert {(f["width"], f["color"]) for f in seen} == {(3.0, "rgb(11, 12, 12)")}
    assert {f["shadow"] for f in seen} == {"rgb(255, 221, 0) 0px 0px 0px 6px"}


def test_the_skip_link_takes_the_focus_to_the_main_part(page):
    page.goto("/en/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_logged_in_header_and_a_forms_fields_show_a_clear_focus(page):
    UserFactory(email="applicant@example.hk")
    log_in(page, "applicant@example.hk", PASSWORD)
    page.goto("/en/accounts/password/change/")
    seen = tab_through(page, 14)
    names = [f["what"] for f in seen]
    assert "button Log out" in names and "a My account" in names
    assert any(name.startswith("input") for name in names) and any(name.startswith("button") for name in names[-6:])
    assert invisible(seen) == []
    # The log-in page's fields and button, too.
    page.context.clear_cookies()
    page.goto("/en/accounts/login/")
    page.locator("#id_login").focus()
    fields = [page.evaluate(FOCUSED)]
    fields += tab_through(page, 3)
    assert [f["what"].split()[0] for f in fields[:2]] == ["input", "input"]
    assert invisible(fields) == []
