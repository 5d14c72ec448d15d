"""Accessibility in a real browser: axe-core (bundled by axe-playwright-python)
on every kind of page, in light and dark, and keyboard use of the page."""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import expect

from comments.models import Comment
from posts.models import Post
from posts.names import author_url, person_url
from tests.conftest import ARCHIVES, MAHDI
from tests.factories import reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIOUS = {"serious", "critical"}


@pytest.fixture
def site(live_server, settings):
    settings.COMMENTS_PER_PAGE = 8
    call_command("import_archive", str(ARCHIVES), stdout=io.StringIO())
    mahdi = Post.objects.get(source_name__endswith=MAHDI.name)
    first = Comment.objects.filter(post=mahdi).order_by("path").first()
    reply(reply(first, author_name="Night Reader", body="Answering, years later."))
    return mahdi


def violations(page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in SERIOUS or v["id"] in {"heading-order", "region", "landmark-one-main"}
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_axe_violations_on_any_kind_of_page(browser, live_server, site, scheme):
    urls = [
        "/",
        site.get_absolute_url(),
        f"{site.get_absolute_url()}?page=2",
        "/2007/",
        "/2007/03/21/",
        author_url("Allahpundit"),
        person_url("Night Reader"),
        "/search/?q=iran",
        "/search/?q=the",
        "/search/?q=iran&start=2008-01-01&end=2007-01-01",
        "/archive/",
        "/authors/",
        "/people/",
        "/people/?q=night",
    ]
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    found = {}
    for url in urls:
        page.goto(live_server.url + url)
        if problems := violations(page):
            found[url] = problems
    context.close()
    assert found == {}


def test_the_axe_check_does_catch_a_violation(browser, live_server, site):
    page = browser.new_page()
    page.goto(live_server.url + "/search/")
    page.evaluate("document.querySelector('label[for=id_q]').remove()")
    assert any(v.startswith("label ") for v in violations(page))
    page.close()


def test_keyboard_first_tab_reaches_a_visible_skip_link(browser, live_server, site):
    page = browser.new_page()
    page.goto(live_server.url + site.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["width"] > 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    # Every focused control shows a visible outline.
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle + ' '"
        " + getComputedStyle(document.activeElement).outlineWidth"
    )
    assert outline.split()[0] != "none"
    assert outline.split()[1] != "0px"
    page.close()


def test_a_subthread_folds_and_unfolds(browser, live_server, site):
    page = browser.new_page()
    page.goto(live_server.url + site.get_absolute_url())
    first = Comment.objects.filter(post=site).order_by("path").first()
    answer = Comment.objects.get(author_name="Night Reader")
    summary = page.locator(f"#comment-{first.pk} > details > summary")
    expect(page.locator(f"#comment-{answer.pk}")).to_be_visible()
    summary.click()
    expect(page.locator(f"#comment-{answer.pk}")).to_be_hidden()
    summary.press("Enter")
    expect(page.locator(f"#comment-{answer.pk}")).to_be_visible()
    page.close()


def test_the_page_fits_a_320_pixel_phone(browser, live_server, site, settings):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    for url in (site.get_absolute_url(), "/search/?q=iran", "/2007/", "/archive/", "/people/"):
        page.goto(live_server.url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 320, url
    # A pager keeps Previous, where the reader is and Next on one line.
    settings.POSTS_PER_PAGE = 2
    page.goto(live_server.url + "/?page=2")
    boxes = page.eval_on_selector_all(
        "nav.pagination > *",
        "items => items.map(item => [item.getBoundingClientRect().top,"
        " item.getBoundingClientRect().bottom])",
    )
    assert len(boxes) == 3
    assert max(top for top, _ in boxes) < min(bottom for _, bottom in boxes), boxes  # one line
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
